"""Build the index: files → documents and clauses → passages → vectors (chroma) + BM25, incrementally.

Unchanged files (same sha256) do no work; a changed file replaces its clauses; a removed file's clauses
go. Records and the manifest are written last, so an interrupted run is redone by the next one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.answer.basis import reference, unsupported_facts
from bot.answer.claims import ClaimWords
from bot.answer.hotline import Speech
from bot.config import Settings
from bot.embed import Embedder, choose_for_ingest, save_spec
from bot.embed.fitted import FittedEmbedder
from bot.models import Clause, FaqPair, Passage
from bot.retrieve.followup import FollowUpWords
from bot.retrieve.kinds import KINDS_FILE, QuestionKinds
from bot.retrieve.lexicon import Lexicon
from bot.safety import OffTaskList, SensitiveList
from bot.store import flat
from bot.store.chroma import copy_store, drop_store, store_for
from bot.store.lexical import LexicalIndex
from bot.store.records import Records, write_atomic
from bot.store.versions import IndexVersions
from bot.text import Tokenizer, split_sentences
from ingest.catalogue import check_basis, item_text, load_faq
from ingest.divisions import divisions
from ingest.links import link_replacements
from ingest.loaders import SUPPORTED, LoadError
from ingest.metadata import fill_item_regions, fill_regions, region_names
from ingest.parse import Task, parse_all

log = logging.getLogger("hotline.ingest")

MANIFEST_VERSION = 3


def parser_fingerprint() -> str:
    """A hash of the code that turns files into clauses: when it changes, every file is parsed again."""
    from bot import models, text
    from ingest import catalogue, links, loaders, metadata, normalise as normalise_module, parse, structure

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for module in (models, text, catalogue, links, loaders, metadata, normalise_module, parse, structure):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]
PASSAGE_CHARS = 320
REFIT_SHARE = 0.2  # refit the fitted embedder when more than this share of passages changed
_QUOTED_TERM = re.compile(r"[“《]([\u4e00-\u9fff]{2,10})[”》]")
LEXICON_FILE = "synonyms.yaml"
SENSITIVE_FILE = "sensitive.yaml"
PLACES_FILE = "places.yaml"  # cities by region, for documents that name only their city
OFFTASK_FILE = "offtask.yaml"
TRANSCRIPTS_FILE = "transcripts.yaml"  # how call transcripts are read (bot/answer/hotline.py): not a document
CLAIMS_FILE = "claims.yaml"  # what an LLM sentence may claim: read by bot.answer.claims, not a document
FOLLOWUPS_FILE = "followups.yaml"  # how follow-up questions are read (bot/retrieve/followup.py): not a document
ASKED_FILE = "asked.jsonl"  # past questions and the clauses that answered them (bot/retrieve/precedents.py)


@dataclass
class Summary:
    documents: int = 0
    clauses: int = 0
    passages: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    embedder: str = ""
    version: str = ""  # the index version now live
    ids: dict[str, str] = field(default_factory=dict)  # each document's source file (resolved) → its id
    faq: int = 0
    reembedded: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, in order

    @property
    def did_work(self) -> bool:
        return bool(self.new or self.changed or self.removed or self.reembedded)

    def report(self) -> str:
        lines = [
            f"文档 {self.documents} 份（新增 {len(self.new)}，更新 {len(self.changed)}，未变 {len(self.unchanged)}，"
            f"移除 {len(self.removed)}）；条款 {self.clauses} 条；检索片段 {self.passages} 个；常见问答 {self.faq} 条。",
            f"向量器：{self.embedder}；本次计算向量 {self.reembedded} 个；用时 {self.seconds:.1f} 秒"
            + (f"（{'，'.join(f'{k} {v:.1f}' for k, v in self.phases.items())}）" if self.phases else "") + "。",
        ]
        if not self.did_work:
            lines.append("知识库没有变化，索引无需更新。")
        for path, reason in self.skipped:
            lines.append(f"跳过 {path}：{reason}")
        lines.extend(f"注意：{w}" for w in self.warnings)
        return "\n".join(lines)


def kind_of(path: Path) -> str | None:
    """policy, catalogue or faq by where the file lies and what it is; None for the vocabulary."""
    suffix = path.suffix.lower()
    parents = {p.name for p in path.parents}
    if path.name in (LEXICON_FILE, SENSITIVE_FILE, KINDS_FILE, PLACES_FILE, OFFTASK_FILE, CLAIMS_FILE,
                     TRANSCRIPTS_FILE, FOLLOWUPS_FILE, ASKED_FILE):
        return None
    if "catalogue" in parents and suffix in (".yaml", ".yml", ".csv"):
        return "catalogue"
    if "faq" in parents and suffix in (".yaml", ".yml"):
        return "faq"
    return "policy"


def collect_files(paths: list[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Documents under the given paths with their kind, and files that are not documents with the reason."""
    files, skipped = [], []
    for root in paths:
        if not root.exists():
            skipped.append((str(root), "路径不存在"))
            continue
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            relative = path.relative_to(root).parts if path != root else (path.name,)
            if any(part.startswith(".") for part in relative):
                continue
            kind = kind_of(path)
            if kind is None:
                continue
            if path != root and path.stem.upper() == "README":
                # a folder's README describes the folder (its sources, how to use it): no policy to cite
                skipped.append((str(path), "说明文件（README），不是政策文件，未收录"))
                continue
            if kind == "policy" and path.suffix.lower() in (".yaml", ".yml", ".csv"):
                skipped.append((str(path), "YAML/CSV 文件应放在 catalogue/（服务事项）或 faq/（常见问答）目录下"))
                continue
            if kind == "policy" and path.suffix.lower() not in SUPPORTED:
                skipped.append((str(path), f"不支持的文件类型 {path.suffix or '（无扩展名）'}"))
                continue
            files.append((path, kind))
    return files, skipped


def known_ids(index_dir: Path | None) -> dict[str, str]:
    """Source file (resolved) → document id in a built version, whatever its format: a file keeps its id."""
    try:
        files = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, TypeError):
        return {}
    return {str(Path(f["source"]).resolve()): doc_id for doc_id, f in files.items() if f.get("source")}


def _doc_id(path: Path, taken: set[str]) -> str:
    stem = re.sub(r"[^\w\-]+", "-", path.stem).strip("-") or "doc"
    if stem in taken:
        stem = f"{stem}-{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
    taken.add(stem)
    return stem


def split_passages(clause: Clause) -> list[Passage]:
    """Cut a long clause at sentence ends; every passage keeps the clause id and starts with its heading."""
    chunks, current = [], ""
    sentences = [s for line in clause.text.split("\n") for s in split_sentences(line)]
    for sentence in sentences:
        if current and len(current) + len(sentence) > PASSAGE_CHARS:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    passages = []
    for i, chunk in enumerate(chunks or [clause.text]):
        text = chunk if (not clause.heading or chunk.startswith(clause.heading)) else f"{clause.heading}：{chunk}"
        passages.append(Passage(id=f"{clause.id}@{i}", clause_id=clause.id, doc_id=clause.doc_id, text=text))
    return passages


def corpus_terms(lexicon: Lexicon, clauses: list[Clause]) -> list[str]:
    terms = set(lexicon.terms)
    for clause in clauses:
        terms.update(_QUOTED_TERM.findall(clause.text))
    return sorted(terms)


def _read_manifest(index_dir: Path) -> dict:
    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if manifest.get("version") != MANIFEST_VERSION or manifest.get("parser") != parser_fingerprint():
        return {}
    return manifest


def ingest(paths: list[Path], settings: Settings, progress: bool = True, force: bool = False,
           wait: bool = True) -> Summary:
    """(Re)build the index from the documents under `paths`: into a new version beside the live one, published
    in one atomic step when complete. `force` rebuilds everything; with wait=False a second concurrent build
    is refused (BuildBusy) instead of waiting for the first."""
    versions = IndexVersions(settings.index_dir)
    with versions.build_lock(wait):
        return _build(paths, settings, progress, force, versions)


def _build(paths: list[Path], settings: Settings, progress: bool, force: bool, versions: IndexVersions,
           accept: Callable[[Records], None] | None = None) -> Summary:
    """One build, inside the build lock; old versions are cleaned up after it, whatever came of it. `accept`
    sees the new records before anything is embedded, and refuses the change by raising."""
    try:
        with ExitStack() as stores:  # every chroma client the build opens is closed when it ends
            return _build_version(paths, settings, progress, force, versions, accept, stores)
    finally:
        versions.cleanup(on_delete=drop_store)


def _build_version(paths: list[Path], settings: Settings, progress: bool, force: bool, versions: IndexVersions,
                   accept: Callable[[Records], None] | None, stores: ExitStack) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    phases = summary.phases
    lap = [started]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - lap[0]
        lap[0] = now
    files, summary.skipped = collect_files(paths)

    lexicon_path = settings.knowledge_dir / LEXICON_FILE
    lexicon = Lexicon.from_yaml(lexicon_path)
    lexicon.kinds = QuestionKinds.from_yaml(settings.knowledge_dir / KINDS_FILE)
    sensitive = SensitiveList.from_yaml(settings.knowledge_dir / SENSITIVE_FILE)
    # the vocabulary, the hand-off list, the places and the question kinds travel with the index: a change to
    # any makes a new version; only the vocabulary's (and the places') refits the embedder
    places = load_places(settings.knowledge_dir / PLACES_FILE)
    lexicon_json = lexicon.to_json(kinds=False) + json.dumps(sensitive.to_dict(), ensure_ascii=False, sort_keys=True) + \
        (json.dumps(places, ensure_ascii=False, sort_keys=True) if places else "") + f"cpca {divisions().version}"
    kinds_json = lexicon.kinds.to_json()
    # the injection list travels with it too, apart: a change to it re-checks every clause, not the embedder
    offtask = OffTaskList.for_knowledge(settings.knowledge_dir)
    offtask_json = offtask.to_json()
    summary.warnings.extend(f"{OFFTASK_FILE} 的例句与触发词不符：{p}" for p in offtask.problems())
    # the word lists read when answering: a malformed one fails the build, as the off-task list does, rather than
    # the first question that needs it
    for load in (Speech.for_knowledge, FollowUpWords.for_knowledge, ClaimWords.for_knowledge):
        load(settings.knowledge_dir)
    old_dir = None if force else versions.current()
    manifest = _read_manifest(old_dir) if old_dir else {}
    try:
        old = Records.load(old_dir) if old_dir and Records.exists(old_dir) else Records()
    except (OSError, ValueError):  # records of an older format: rebuild from the files
        old = Records()
    known = manifest.get("files", {})

    records = Records()
    # a file keeps the id it was built under (even with force): a new file named like it gets another id
    # instead of taking it over, with its citations and the catalogue items and FAQ pairs resting on it
    ids = known_ids(versions.current())
    present = {str(path.resolve()) for path, _ in files}
    taken: set[str] = {doc_id for source, doc_id in ids.items() if source in present}
    changed_docs: set[str] = set()
    faq_sources: list[tuple[Path, list[FaqPair]]] = []
    tasks: list[Task] = []
    for path, kind in files:
        if kind == "faq":
            try:
                faq_sources.append((path, load_faq(path)))
            except LoadError as exc:
                summary.skipped.append((str(path), str(exc)))
            continue
        doc_id = ids.get(str(path.resolve())) or _doc_id(path, taken)
        summary.ids[str(path.resolve())] = doc_id
        try:
            raw = path.read_bytes()
        except OSError as exc:
            summary.skipped.append((str(path), f"无法读取文件：{exc.strerror or exc}"))
            continue
        sha = hashlib.sha256(raw).hexdigest()
        if known.get(doc_id, {}).get("sha256") == sha and doc_id in old.documents and kind != "catalogue":
            records.documents[doc_id] = old.documents[doc_id]
            for clause in old.clauses_of(doc_id):
                records.clauses[clause.id] = clause
                if clause.id in old.items:
                    records.items[clause.id] = old.items[clause.id]
            summary.unchanged.append(doc_id)
            continue
        tasks.append(Task(path, kind, doc_id, sha))
    for task, parsed in zip(tasks, parse_all(tasks, settings.current_date(), progress)):
        if parsed.error is not None:
            summary.skipped.append((str(task.path), parsed.error))
            continue
        records.documents[task.doc_id] = parsed.document
        for clause in parsed.clauses:
            records.clauses[clause.id] = clause
        records.items.update(parsed.items)
        if task.kind == "catalogue" and known.get(task.doc_id, {}).get("sha256") == task.sha256 \
                and task.doc_id in old.documents:
            summary.unchanged.append(task.doc_id)  # read again to re-check its items; changed if they differ
            continue
        (summary.changed if task.doc_id in old.documents else summary.new).append(task.doc_id)
        changed_docs.add(task.doc_id)
    phase("解析")

    # Catalogue items cite policy clauses: check them now that every policy is read, and render their text
    for doc_id in [d.id for d in records.documents.values() if d.kind == "catalogue"]:
        document = records.documents[doc_id]
        entries = [(records.items[c.id], c) for c in records.clauses_of(doc_id)]
        for n, (item, clause) in enumerate(entries, start=1):
            errors = check_basis(Path(document.source).name, [(item.name, item.basis_list)], records.clauses, start=n)
            if errors:  # an item whose basis is gone is left out, and said so; the rest of the file stays
                summary.skipped.append((f"{document.source}#{item.name}", "；".join(errors)))
                records.clauses.pop(clause.id)
                records.items.pop(clause.id)
        entries = [(records.items[c.id], c) for c in records.clauses_of(doc_id)]
        if not entries:
            _drop(records, doc_id, summary, changed_docs)
            continue
        for item, clause in entries:
            labels = [reference(records, b) for b in item.basis_list]
            text = item_text(item, labels)
            if text != clause.text:
                records.clauses[clause.id] = clause.model_copy(update={"text": text})
        if doc_id not in changed_docs and [c.model_dump() for c in records.clauses_of(doc_id)] != \
                [c.model_dump() for c in old.clauses_of(doc_id)]:
            changed_docs.add(doc_id)  # items came back (or went) with the policies they rest on
            summary.unchanged.remove(doc_id)
            summary.changed.append(doc_id)
    records.faq = _checked_faq(faq_sources, records, summary)
    summary.removed = sorted(set(old.documents) - set(records.documents))
    if accept is not None:
        accept(records)

    offtask_changed = manifest.get("offtask") != offtask_json
    for clause in records.clauses.values():
        if (offtask_changed or clause.doc_id in changed_docs) and offtask.detect(clause.text):
            summary.warnings.append(f"{clause.id} 含有指令性文字（如“忽略之前的指令”），这些句子不会出现在答复中")
    # questions are read with the names documents are filed by: the lexicon's as written, the others (cities,
    # short forms) as whole words
    table = divisions()
    # every province by its short form (云南), places.yaml's cities as words (泉州), and every other city and county
    # named with its kind (大庆市, 南陵县: Lexicon.divisions)
    region_places = region_names(lexicon.regions, table.with_provinces(places))
    lexicon.places = {region: [n for n in names if n not in lexicon.regions.get(region, [])]
                      for region, names in region_places.items()}
    lexicon.cities = sorted({city for names in places.values() for city in names})
    said = {name for names in region_places.values() for name in names} | set(lexicon.regions)
    # (a place the bureau's names already hold keeps their reading: 义乌 is a city of its own to its callers)
    lexicon.divisions = {form: list(place) for form, place in table.said.items()
                         if form not in said and (place[2] or place[1]) not in said}
    # a document of any city or county (大庆市, 安溪县) is filed under its province, as one of places.yaml's city is
    fill_regions(list(records.documents.values()),
                 {region: [*names, *table.cities.get(region, ()),
                           *(n for n, (r, _) in table.counties.items() if r == region)]
                  for region, names in {**{r: [] for r in table.cities}, **region_places}.items()})
    fill_item_regions(records.items, records.documents,
                      {item_id: records.clauses[item_id].doc_id for item_id in records.items}, region_places,
                      frozenset(lexicon.cities))
    link_replacements(records)
    # Validity is "as of today": refresh it for unchanged documents too.
    for document in records.documents.values():
        if document.kind == "policy":
            document.status = document.status_on(settings.current_date())

    records.terms = corpus_terms(lexicon, list(records.clauses.values()))
    tokenizer = Tokenizer(records.terms)
    for clause in sorted(records.clauses.values(), key=lambda c: (c.doc_id, c.order)):
        records.passages.extend(split_passages(clause))

    faq_json = json.dumps([p.model_dump() for p in records.faq], ensure_ascii=False, sort_keys=True)
    old_spec = _read_json(old_dir / "embedder.json") if old_dir else {}
    try:
        old_store = stores.enter_context(store_for(old_dir)) if old_dir else None
        old_count = old_store.count() if old_store else -1
    except Exception:  # the old version's store is gone (a server reset): build afresh
        old_store, old_count = None, -1
    summary.documents = len(records.documents)
    summary.clauses = len(records.clauses)
    summary.passages = len(records.passages)
    if (not changed_docs and not summary.removed and manifest.get("lexicon") == lexicon_json
            and not offtask_changed and manifest.get("faq") == faq_json and manifest.get("kinds") == kinds_json
            and old_spec and old_count == len(records.passages)
            and (old_dir / flat.FILE).exists()):
        summary.embedder = old_spec.get("model") or "fitted"
        summary.version = versions.current_name() or ""
        summary.seconds = time.perf_counter() - started
        return summary  # nothing changed: no work, no new version

    phase("整理")
    new_dir = versions.new_version()
    # every passage is cut into words once, for the fitted embedder, BM25 and the word statistics
    passage_tokens = [tokenizer.tokens(p.text) for p in records.passages]
    tokens_by_id = {p.id: t for p, t in zip(records.passages, passage_tokens)}
    phase("切词")
    neural = choose_for_ingest(settings, tokenizer)
    embedder: Embedder
    fitted_vectors = None  # the vectors of every passage, when fitting the embedder made them
    changed_passages = [p for p in records.passages if p.doc_id in changed_docs]
    if neural is not None:
        embedder = neural
        full = old_spec != embedder.spec()
    else:
        share = len(changed_passages) / max(1, len(records.passages))
        old_fit = old_dir / "embedder" if old_dir else None
        full = (old_spec.get("type") != "fitted" or share > REFIT_SHARE or bool(summary.removed)
                or manifest.get("lexicon") != lexicon_json or not (old_fit and (old_fit / "fitted.joblib").exists()))
        if full:
            embedder, fitted_vectors = FittedEmbedder.fit_embed([p.text for p in records.passages], tokenizer,
                                                                passage_tokens)
        else:
            embedder = FittedEmbedder.load(old_fit, tokenizer)
        embedder.save(new_dir / "embedder")
    phase("载入或拟合向量器")
    old_matrix = flat.load_matrix(old_dir) if old_dir else None
    if old_count != len(old.passages) or old_matrix is None or len(old_matrix) != len(old.passages):
        full = True  # the old store, its matrix and its records disagree: build the vectors afresh
    summary.embedder = embedder.name
    log.info("向量器：%s", embedder.name)
    if not full and not settings.chroma_url:
        # start from a copy of the live store (never written to: readers may be using it)
        shutil.copytree(old_dir / "chroma", new_dir / "chroma")
    store = stores.enter_context(store_for(new_dir, settings.chroma_url))
    if not full and settings.chroma_url:
        copy_store(old_store, store)
    if full:
        todo = records.passages
    else:
        store.delete_docs(sorted(changed_docs | set(summary.removed)))
        todo = changed_passages
    phase("准备向量库")
    batch = 1024
    computed: list[np.ndarray] = []
    bar = tqdm(total=len(todo), desc="计算向量", unit="段", disable=not progress or not todo)
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        texts = [p.text for p in chunk]
        if fitted_vectors is not None:
            vectors = fitted_vectors[i:i + batch]
        elif isinstance(embedder, FittedEmbedder):
            vectors = embedder.embed_documents(texts, [tokens_by_id[p.id] for p in chunk])
        else:
            vectors = embedder.embed_documents(texts)
        phase("计算向量")
        computed.append(np.asarray(vectors, dtype=np.float32))
        store.add([p.id for p in chunk], vectors, [_metadata(p, records) for p in chunk])
        phase("写入向量库")
        bar.update(len(chunk))
    bar.close()
    if store.count() != len(records.passages):
        raise RuntimeError(f"向量库条目数 {store.count()} 与检索片段数 {len(records.passages)} 不一致，未发布新索引")
    summary.reembedded = len(todo)
    save_spec(new_dir, embedder)
    flat.save(new_dir, _all_vectors(records.passages, todo, computed, old.passages, old_matrix))
    phase("向量矩阵")

    LexicalIndex.build(passage_tokens).save(new_dir / "lexical")
    phase("词法索引")
    write_atomic(new_dir / "stats.json", json.dumps(word_statistics(records, tokens_by_id, tokenizer),
                                                    ensure_ascii=False))
    records.save(new_dir)
    write_atomic(new_dir / "lexicon.json", lexicon.to_json())
    write_atomic(new_dir / "sensitive.json", json.dumps(sensitive.to_dict(), ensure_ascii=False))
    write_atomic(new_dir / "offtask.json", offtask_json)
    write_atomic(new_dir / "manifest.json", json.dumps({
        "version": MANIFEST_VERSION, "parser": parser_fingerprint(), "lexicon": lexicon_json, "kinds": kinds_json,
        "faq": faq_json, "offtask": offtask_json,
        "files": {d.id: {"sha256": d.sha256, "source": d.source} for d in records.documents.values()},
        "clauses": len(records.clauses), "passages": len(records.passages),
    }, ensure_ascii=False, indent=1))
    phase("统计与保存")
    versions.publish(new_dir)
    phase("发布")  # every file flushed to disk first: a tenth of a second or more on a busy disk
    summary.version = new_dir.name
    # the total is the phases' own sum: every second of the build is in one of them, however loaded the machine
    summary.seconds = lap[0] - started
    return summary


def _all_vectors(passages: list[Passage], todo: list[Passage], computed: list[np.ndarray],
                 old_passages: list[Passage], old_matrix: np.ndarray | None) -> np.ndarray:
    """Every passage's vector in the records' order: the ones just computed, the rest from the old version."""
    if todo is passages:
        return np.concatenate(computed) if computed else np.zeros((0, 1), dtype=np.float32)
    # the old rows, then the new ones, in one matrix; each passage takes its row from it
    fresh = {p.id: len(old_passages) + i for i, p in enumerate(todo)}
    kept = {p.id: i for i, p in enumerate(old_passages)}
    rows = np.concatenate([old_matrix, *computed])
    return rows[[fresh[p.id] if p.id in fresh else kept[p.id] for p in passages]]


def word_statistics(records: Records, tokens_by_id: dict[str, list[str]], tokenizer: Tokenizer) -> dict:
    """Per word, the number of clauses that contain it (with their title, path and heading), for the
    question-side weights and typo correction, so that a serving worker need not cut the corpus again."""
    per_clause: dict[str, set[str]] = {}
    for passage in records.passages:
        per_clause.setdefault(passage.clause_id, set()).update(tokens_by_id[passage.id])
    cut: dict[str, set[str]] = {}  # titles and path headings repeat: cut each once

    def tokens_of(text: str) -> set[str]:
        if text not in cut:
            cut[text] = set(tokenizer.tokens(text.lower()))
        return cut[text]

    df: dict[str, int] = {}
    for clause in records.clauses.values():
        words = set(per_clause.get(clause.id, set()))
        for part in (records.documents[clause.doc_id].title, *clause.path, clause.heading):
            words |= tokens_of(part)
        for token in words:
            df[token] = df.get(token, 0) + 1
    return {"clauses": len(records.clauses), "df": df}


def load_places(path: Path) -> dict[str, list[str]]:
    """knowledge/places.yaml: region → its cities; {} when there is none (a knowledge base may lack it)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}：应为“地区: [城市, …]”的映射")
    return {str(region): [str(c) for c in (cities or [])] for region, cities in data.items()}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _drop(records: Records, doc_id: str, summary: Summary, changed_docs: set[str]) -> None:
    del records.documents[doc_id]
    for clause_id in [c for c in records.clauses if c.startswith(doc_id + ":")]:
        records.clauses.pop(clause_id)
        records.items.pop(clause_id, None)
    for bucket in (summary.new, summary.changed, summary.unchanged):
        if doc_id in bucket:
            bucket.remove(doc_id)
    changed_docs.discard(doc_id)


def _checked_faq(sources: list[tuple[Path, list[FaqPair]]], records: Records, summary: Summary) -> list[FaqPair]:
    """FAQ pairs whose basis exists and whose numbers, dates and 文号 appear in that basis."""
    kept = []
    for path, pairs in sources:
        for n, pair in enumerate(pairs, start=1):
            errors = check_basis(path.name, [(pair.id, pair.basis)], records.clauses, start=n)
            if not errors:
                missing = unsupported_facts(pair.answer, pair.basis, records)
                if missing:
                    errors.append(f"{path.name}：第 {n} 项「{pair.id}」的字段 answer（答案）：{'、'.join(missing)} "
                                  f"不见于依据条款")
            if errors:
                summary.skipped.append((f"{path}#{pair.id}", "；".join(errors)))
            else:
                kept.append(pair)
    summary.faq = len(kept)
    return kept


def _metadata(passage: Passage, records: Records) -> dict:
    # only what the store filters on: every metadata key is a row in chroma's SQLite, and writing the
    # clause id and kind as well made adding vectors a fifth slower
    return {"doc_id": passage.doc_id, "region": records.documents[passage.doc_id].filed_under}
