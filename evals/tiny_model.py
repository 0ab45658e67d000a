"""A small random BERT saved as a sentence-transformers folder: it exercises the neural loading and encoding
code where no real Chinese model can be downloaded (tests and the scaling benchmark)."""
from __future__ import annotations

from pathlib import Path


def build_tiny_model(folder: Path, texts: list[str]) -> Path:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    chars = sorted({ch for text in texts for ch in text if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (folder / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(str(folder / "bert"))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(str(folder / "bert"))
    word = modules.Transformer(str(folder / "bert"), max_seq_length=256)
    pooling = modules.Pooling(word.get_embedding_dimension())
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder / "st"))
    return folder / "st"
