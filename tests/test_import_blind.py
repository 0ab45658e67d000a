"""The blind writers' files become sets split by document as SPLIT.md fixed."""
import json

from evals import import_blind


def test_help_prints_the_usage(capsys):
    assert import_blind.main(["--help"]) == 0
    assert "python -m evals.import_blind --dev" in capsys.readouterr().out
    assert import_blind.main(["--dev", "x.jsonl"]) == 2  # no question file: the usage, on stderr
    assert "python -m evals.import_blind" in capsys.readouterr().err


def test_convert_splits_by_document_and_drops_an_unanswerable_evidence(tmp_path):
    raw = [
        {"doc": "zhuanlifa_2020.txt", "question": " 专利保护期多久 ", "voice": "phone", "answerable": True,
         "asks": "period", "evidence": "发明专利权的期限为二十年", "article": "第四十二条", "must_mention": ["二十年"],
         "why_unanswerable": None},
        {"doc": "002_0f3d12866a94bb90.txt", "question": "蓝天行动热线多少", "voice": "typing", "answerable": False,
         "asks": "contact", "evidence": "不该留下", "article": None, "must_mention": ["x"],
         "why_unanswerable": "没有写热线"},
    ]
    path = tmp_path / "w.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in raw) + "\n\n", encoding="utf-8")
    train, test = import_blind.convert([path], prefix="bank-dev9")
    assert [i["doc"] for i in test] == ["zhuanlifa_2020"]  # 专利法 is a frozen test document
    assert [i["doc"] for i in train] == ["sh-2024-13-lantian-action"]  # the policy's knowledge/ id
    assert test[0]["question"] == "专利保护期多久" and test[0]["id"] == "bank-dev9-w-001"
    assert train[0]["evidence"] is None and train[0]["must_mention"] == []
