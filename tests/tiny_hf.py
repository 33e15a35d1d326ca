"""Build tiny Hugging Face sequence-classification models locally (random weights, no network)."""

from __future__ import annotations

from pathlib import Path

from tiny_model import WORDS


def build_model(folder: Path, labels: list[str], multilabel: bool = False, initializer_range: float = 0.02) -> Path:
    """A 1-layer BERT classifier over the tiny word list; a larger ``initializer_range`` makes its scores depend
    more on the words (the default gives nearly constant probabilities)."""
    import torch
    import transformers

    torch.manual_seed(0)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), model_max_length=16)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        initializer_range=initializer_range,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type="multi_label_classification" if multilabel else "single_label_classification",
    )
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
