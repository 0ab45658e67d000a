"""A random BERT saved as a sentence-transformers folder: it exercises the neural loading and encoding code
where no real Chinese model can be downloaded (tests and the scaling benchmark).

Sizes: "tiny" (2 layers, width 32) for tests; "bge-small" has BAAI/bge-small-zh-v1.5's architecture (4 layers,
width 512, 8 heads, feed-forward 2048, a character vocabulary like its own), so that its encode costs what the
real model's does: the time of a forward pass depends on the architecture, not on the weights."""
from __future__ import annotations

from pathlib import Path


SIZES = {
    "tiny": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64},
    "bge-small": {"hidden_size": 512, "num_hidden_layers": 4, "num_attention_heads": 8, "intermediate_size": 2048},
}


def build_tiny_model(folder: Path, texts: list[str], size: str = "tiny") -> Path:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    chars = sorted({ch for text in texts for ch in text if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (folder / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(str(folder / "bert"))
    config = BertConfig(vocab_size=len(vocab), max_position_embeddings=512, **SIZES[size])
    BertModel(config).save_pretrained(str(folder / "bert"))
    # bge-small-zh reads up to 512 tokens (a passage is at most about 340 characters, one token each)
    word = modules.Transformer(str(folder / "bert"), max_seq_length=512 if size == "bge-small" else 256)
    pooling = modules.Pooling(word.get_embedding_dimension())
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder / "st"))
    return folder / "st"
