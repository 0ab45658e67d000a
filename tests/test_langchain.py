"""LangChain: the retriever and the answer runnable over the real index, composed in LCEL chains; and a
LangChain chat model (langchain-openai) against the real app's OpenAI-compatible API."""
from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough
from pydantic import SecretStr

from bot.api.app import create_app
from bot.integrations.langchain import HotlineAnswerChain, HotlineRetriever
from bot.service import InvalidQuestion
from tests.conftest import LiveServer

KEY = "test-langchain-key-0123456789abcdef"
QUESTION = "企业遇到侵权纠纷，上海有没有公益的维权援助？"


def test_the_retriever_returns_clause_documents(assistant):
    retriever = HotlineRetriever(assistant=assistant, k=3, region="江苏")
    documents = retriever.invoke("代理机构 服务质量")
    assert len(documents) == 3 and all(isinstance(d, Document) for d in documents)
    first = documents[0]
    assert {"clause_id", "doc_title", "doc_number", "clause", "status", "url"} <= set(first.metadata)
    assert first.id == first.metadata["clause_id"] and first.metadata["region"] == "江苏省"
    assert first.page_content == assistant.retriever().records.clauses[first.id].text  # the whole clause
    assert first.metadata["url"] == "/documents/{}#{}".format(*first.id.split(":"))
    with pytest.raises(InvalidQuestion):
        retriever.invoke("")


def test_a_langchain_chain_gets_a_cited_answer_from_the_index(assistant):
    answer = HotlineAnswerChain(assistant=assistant)
    chain = (RunnableParallel(result=answer, question=RunnablePassthrough())
             | RunnableLambda(lambda x: {**x["result"], "n": [c["n"] for c in x["result"]["citations"]]}))
    out = chain.invoke(QUESTION)
    assert out["grounded"] is True and out["n"] == [1]
    assert out["citations"][0]["doc_number"] == "沪知局〔2022〕13号" and "依据：\n[1]" in out["answer"]
    cited = out["documents"][0]
    assert cited.metadata["clause_id"] == out["citations"][0]["clause_id"] and cited.metadata["clause"] == "二、（三）2."
    # follow-ups through the chat history, as messages
    follow = answer.invoke({"question": "那江苏呢？", "chat_history": [HumanMessage("上海怎么提升知识产权代理服务质量"),
                                                                     AIMessage("……")]})
    assert follow["citations"][0]["clause_id"] == "js-2025-service-industry:s2-i8"
    # batch and the retriever in one chain: the documents and the answer side by side
    both = RunnableParallel(documents=HotlineRetriever(assistant=assistant, k=2), answer=answer).batch(
        [QUESTION, "商标注册一般要多久能下来"])
    assert [len(b["documents"]) for b in both] == [2, 2]
    assert [b["answer"]["grounded"] for b in both] == [True, False]


def test_a_langchain_chat_model_gets_a_cited_answer_from_the_app(settings):
    from langchain_openai import ChatOpenAI

    app = create_app(settings.model_copy(update={"api_keys": SecretStr(KEY)}))
    with LiveServer(app) as live:
        model = ChatOpenAI(model="hotline", base_url=f"{live.url}/v1", api_key=KEY, max_retries=0,
                           use_responses_api=False)
        chain = ChatPromptTemplate.from_messages([("human", "{question}")]) | model | StrOutputParser()
        text = chain.invoke({"question": QUESTION})
        streamed = "".join(chain.stream({"question": QUESTION}))
    assert "依据：\n[1]《关于加强上海市知识产权公共服务工作的意见》（沪知局〔2022〕13号）二、（三）2." in text
    assert streamed == text
