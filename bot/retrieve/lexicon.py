"""The bureau's vocabulary (knowledge/synonyms.yaml): synonyms, terms and region names; the cities and counties
of China's administrative divisions and knowledge/places.yaml; and how questions are read
(knowledge/question_kinds.yaml), which travels with it into the index."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from bot.retrieve.kinds import QuestionKinds
from bot.yamlfile import read_yaml


class LexiconError(ValueError):
    """synonyms.yaml is malformed; the message names the file and the key."""


@dataclass
class Lexicon:
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    regions: dict[str, list[str]] = field(default_factory=dict)
    kinds: QuestionKinds = field(default_factory=QuestionKinds.default)
    # region → more names of it a question may say as whole words: places.yaml's cities, the region's short form
    places: dict[str, list[str]] = field(default_factory=dict)
    cities: list[str] = field(default_factory=list)  # places.yaml's cities: a question naming one names a city
    # a city or a county named with its kind (大庆市, 南陵县) → [its region, its city, its own short name if a county,
    # else ""] (ingest.divisions): a question naming it names its city and region too
    divisions: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path) -> "Lexicon":
        if not path.exists():
            return cls()
        data = read_yaml(path, LexiconError)
        lexicon = cls(
            synonyms={str(k): [str(v) for v in (vs or [])] for k, vs in (data.get("synonyms") or {}).items()},
            terms=[str(t) for t in data.get("terms") or []],
            regions={str(k): [str(v) for v in (vs or [])] for k, vs in (data.get("regions") or {}).items()},
        )
        for key, values in (data.get("synonyms") or {}).items():
            if not isinstance(values, list):
                raise LexiconError(f"{path}: synonyms.{key} 应为列表，例如 {key}: [代理机构]")
        return lexicon

    def to_json(self, kinds: bool = True) -> str:
        """The lexicon as stored in the index; without the question kinds, what the embedder is fitted on."""
        data: dict = {"synonyms": self.synonyms, "terms": self.terms, "regions": self.regions}
        if kinds:
            data["kinds"] = self.kinds.data
            data["places"] = self.places
            data["cities"] = self.cities
            data["divisions"] = self.divisions
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Lexicon":
        data = json.loads(text)
        # an index built before the kinds travelled with it reads questions with the shipped file
        kinds = QuestionKinds.from_dict(data["kinds"], "lexicon.json") if data.get("kinds") else QuestionKinds.default()
        return cls(data["synonyms"], data["terms"], data["regions"], kinds, data.get("places") or {},
                   data.get("cities") or [], data.get("divisions") or {})
