"""`hotline`: ingest, ask, serve, eval. Every option also reads its HOTLINE_* variable, through Settings."""
from __future__ import annotations

import argparse
import json
import logging
from datetime import date
import os
import sys
from pathlib import Path

from bot.config import Settings, setup_logging


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "knowledge_dir", None):
        overrides["knowledge_dir"] = Path(args.knowledge_dir)
    return Settings(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.build import ingest
    from bot.retrieve.lexicon import LexiconError
    from bot.yamlfile import KnowledgeFileError

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.knowledge_dir]
    try:
        summary = ingest(paths, settings, progress=not args.quiet, force=args.force)
    except (LexiconError, KnowledgeFileError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(summary.report())
    if settings.shared_index_dir is not None and summary.documents:
        from bot.store.shared_index import shared_index
        from bot.store.versions import IndexVersions

        shared_index(settings, IndexVersions(settings.index_dir)).sync()  # every machine follows it
    return 0 if summary.documents else 1


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.retrieve.search import IndexNotFound, Misconfigured
    from bot.service import Assistant, InvalidQuestion, UnknownSession

    settings = _settings(args)
    try:
        assistant = Assistant(settings)
        region, as_of = args.region or settings.region, args.as_of or settings.as_of
        answer = assistant.ask(args.question, region=region, as_of=as_of, session_id=args.session, channel="cli")
    except (IndexNotFound, InvalidQuestion, UnknownSession, Misconfigured) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(answer.answer)
        if answer.rewritten_question:
            print(f"\n（按上文理解为：{answer.rewritten_question}）")
        # the conversation goes on with the same id: hotline ask "那江苏呢？" --session …
        print(f"会话：{answer.session_id}（追问请加 --session {answer.session_id}）", file=sys.stderr)
        if args.verbose:
            for c in answer.citations:
                print(f"\n[{c.n}] {c.clause_id}（{c.score}）\n{c.text}")
            print(f"\n可答概率 {answer.confidence:.3f}（阈值 {assistant.retriever().ranking.threshold:.3f}）；候选条款的特征与得分：")
            retriever = assistant.retriever()
            query = retriever.parse(answer.rewritten_question or args.question, region, as_of)
            hits = retriever.search(query, k=8)
            for hit in hits:
                features = " ".join(f"{name}={value:.2f}" for name, value in hit.features.items() if value)
                print(f"  {hit.score:.3f} {hit.clause.id}（×{hit.policy:g}）{features}")
            if hits:  # the answer's lead: the first clause's sentences, as the fitted sentence model scores them
                print(f"\n{hits[0].clause.id} 各句的特征与得分：")
                for unit, features in retriever.sentences.features(query, retriever.concepts(query), hits[0].clause):
                    shown = " ".join(f"{name}={value:.2f}" for name, value in features.items() if value)
                    print(f"  {retriever.sentences.score(features):+.2f} {unit.text[:40]} {shown}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.api.app import create_app
    from bot.api.server import uvicorn_options

    settings = _settings(args)
    # our own access log (JSON, request ids, no query strings) replaces uvicorn's
    host, port, workers = args.host or settings.host, args.port or settings.port, args.workers or settings.workers
    options = dict(host=host, port=port, log_level=settings.log_level.lower(), log_config=None, access_log=False,
                   **uvicorn_options(settings))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    # through the log, so that a log collector still reads one JSON object a line
    logging.getLogger("hotline").info(
        "在浏览器中打开：演示页（聊天小部件） %s/ ；热线坐席台 %s/console ；管理页（需管理令牌） %s/admin ；接口文档 %s/docs",
        base, base, base, base, extra={"urls": {"demo": f"{base}/", "console": f"{base}/console",
                                                "admin": f"{base}/admin", "docs": f"{base}/docs"}})
    if workers > 1:
        # each worker process builds its app from the environment: pass the directories given here on
        os.environ["HOTLINE_DATA_DIR"] = str(settings.data_dir)
        os.environ["HOTLINE_KNOWLEDGE_DIR"] = str(settings.knowledge_dir)
        uvicorn.run("bot.api.app:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """An MCP server over stdin/stdout, for an assistant that starts it on this machine."""
    from bot.integrations.mcp import run_stdio

    run_stdio(_settings(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.run import main as run_eval

    settings = _settings(args)
    chosen = args.set or (str(settings.eval_set) if settings.eval_set else None)
    if args.fit and args.unasked:
        print("--unasked 只用于评测，不能与 --fit 同用：拟合本就把每题检索两次（有、无其文档的历史问题）", file=sys.stderr)
        return 2
    if args.fit:
        from evals.fit import main as run_fit

        return run_fit(settings, [Path(p) for p in chosen.split(",")] if chosen else None,
                       Path(args.out) if args.out else None, lodo=args.lodo,
                       keep_from=Path(args.keep_from) if args.keep_from else None)
    return run_eval(settings, Path(chosen) if chosen else None, as_json=args.json, verbose=args.verbose,
                    unasked=args.unasked)


def cmd_admin(args: argparse.Namespace) -> int:
    """Staff operations on this machine's knowledge base and data (the same as /v1/admin/*)."""
    from ingest import manage
    from bot.service import FaqRefused
    from bot.store.versions import BuildBusy

    settings = _settings(args)
    try:
        if args.action == "upload":
            path = Path(args.target)
            change = manage.upload(settings, path.name, path.read_bytes(), args.folder, wait=True,
                                   replace=args.replace, allow_drops=args.allow_drops)
            print(f"已入库：{change.path}\n" + _change_report(change.summary))
        elif args.action == "delete":
            change = manage.delete(settings, args.target, wait=True, allow_drops=args.allow_drops)
            print(f"已删除：{change.path}\n" + _change_report(change.summary))
        elif args.action == "reindex":
            print(_change_report(manage.reindex(settings, force=args.force, wait=True)))
        elif args.action == "gaps":
            from bot.gaps import group_gaps
            from bot.service import Assistant

            for group in group_gaps(Assistant(settings).store.gaps())[: args.limit]:
                print(f"{group.count:4d}  {group.question}  {dict(group.reasons)}")
        elif args.action == "faq":
            from bot.service import Assistant

            bot = Assistant(settings)
            if args.target:  # approving checks the answer against its basis, as the admin API does
                bot.review_faq(int(args.target), args.status or "approved")
                print("已审核")
            else:
                for pair in bot.store.faq(args.status or "candidate"):
                    print(f"{pair['id']:4d} [{pair['status']}] ({pair['source'] or '-'}) {pair['question']} → "
                          f"{pair['answer']}")
    except (manage.UploadRejected, manage.DocumentNotFound, BuildBusy, OSError, FaqRefused) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def _change_report(summary) -> str:
    return summary.report() + (f"\n当前索引版本：{summary.version}" if summary.version else "")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="知识产权政策咨询与热线助手")
    parser.add_argument("--data-dir", help="索引与日志目录（HOTLINE_DATA_DIR，默认 var/）")
    parser.add_argument("--knowledge-dir", help="知识库目录（HOTLINE_KNOWLEDGE_DIR，默认 knowledge/）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="（重新）构建索引")
    p.add_argument("paths", nargs="*", help="文档或目录；默认读取 knowledge/")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p.add_argument("--force", action="store_true", help="全部重新解析、重新计算向量")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="回答一个问题")
    p.add_argument("question")
    p.add_argument("--region", help="优先使用的地区，如 上海、江苏（HOTLINE_REGION）")
    p.add_argument("--as-of", type=date.fromisoformat, help="按哪一天判断文件是否有效，如 2031-01-01（HOTLINE_AS_OF，默认今天）")
    p.add_argument("--session", help="接着这个会话追问（上一次回答给出的会话 ID）")
    p.add_argument("--json", action="store_true", help="输出与 POST /v1/ask 相同的 JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="同时打印引用条款全文")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="启动 HTTP 服务")
    p.add_argument("--host", help="（HOTLINE_HOST，默认 127.0.0.1）")
    p.add_argument("--port", type=int, help="（HOTLINE_PORT，默认 8000）")
    p.add_argument("--workers", type=int, help="worker processes（HOTLINE_WORKERS）；they share the index (read-only) and the SQLite store")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("mcp", help="以 stdio 提供 MCP 服务（工具 ask_policy、search_clauses、get_clause；资源：文档）")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("admin", help="知识库管理：upload 文件 / delete 文档ID / reindex / gaps / faq [ID]")
    p.add_argument("action", choices=["upload", "delete", "reindex", "gaps", "faq"])
    p.add_argument("target", nargs="?", help="upload：文件路径；delete：文档 ID；faq：要审核的问答编号")
    p.add_argument("--folder", default="policies", choices=["policies", "catalogue", "faq"], help="上传到哪个目录")
    p.add_argument("--force", action="store_true", help="reindex：全部重建")
    p.add_argument("--replace", action="store_true", help="upload：替换同名文档（否则拒绝）")
    p.add_argument("--allow-drops", action="store_true",
                   help="upload/delete：即使有服务事项或常见问答因此失去依据也照做（否则拒绝）")
    p.add_argument("--status", choices=["candidate", "approved", "rejected"], help="faq：列出或设为该状态")
    p.add_argument("--limit", type=int, default=30, help="gaps：显示多少组")
    p.set_defaults(func=cmd_admin)

    p = sub.add_parser("eval", help="运行评测集并打印指标")
    p.add_argument("--set", help="评测集 JSONL 文件（默认 evals/sets/core.jsonl）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出指标")
    p.add_argument("-v", "--verbose", action="store_true", help="列出未命中的问题")
    p.add_argument("--unasked", action="store_true",
                   help="每题都当作其文档从未被问过（历史问题中关于该文档的不参与）：新上传文件的情形")
    p.add_argument("--fit", action="store_true",
                   help="拟合排序与可答性模型（默认用题库训练集和 core 集；--set 可给逗号分隔的评测集，用当前索引）")
    p.add_argument("--out", help="--fit 的输出文件（默认 HOTLINE_RANKING_FILE，或随程序发布的 bot/retrieve/ranking.json）")
    p.add_argument("--lodo", action="store_true", help="--fit 时另给出留一文档（leave-one-document-out）的结果")
    p.add_argument("--keep-from", metavar="FILE",
                   help="--fit 时沿用该排序模型文件的答案首句模型和可答性模型所计的问题类型，只重新拟合排序与可答性"
                        "（如 bot/retrieve/ranking.json：随程序发布的文件就是这样拟合的）")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    from bot.privacy import private_files

    private_files()  # what `hotline ingest`, `serve` and `admin` write under the data dir is the owner's only
    try:
        settings = Settings()
        setup_logging(settings.log_level, settings.log_format)
        return args.func(args)
    except ValidationError as exc:  # a setting that is missing, malformed or too weak: say which and why
        for error in exc.errors():
            print(f"配置错误：{'.'.join(str(p) for p in error['loc'])}：{error['msg']}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
