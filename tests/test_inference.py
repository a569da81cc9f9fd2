import numpy as np
import torch

from mltc.core.tokenized import label_matrix
from mltc.modeling import registry
from mltc.modeling.build import build_model
from mltc.modeling.inference import predict_proba, predict_proba_chunks


def test_length_sorted_batches_give_each_text_its_own_probabilities(
    processed_slice, tokenizer, schema
):
    torch.manual_seed(0)
    model = build_model(registry.resolve("tiny"), schema)
    encodings = processed_slice["validation"].select(range(16)).to_dict()
    batched = predict_proba(model, tokenizer, encodings, batch_size=5)

    one_by_one = []
    for row in range(len(encodings["input_ids"])):
        single = {name: [values[row]] for name, values in encodings.items()}
        one_by_one.append(predict_proba(model, tokenizer, single, batch_size=1)[0])
    assert batched.shape == (16, len(schema.label_names))
    assert batched.dtype == np.float32
    np.testing.assert_allclose(batched, np.stack(one_by_one), atol=1e-5)
    assert ((batched > 0) & (batched < 1)).all()


def test_chunks_are_scored_in_order_and_stacked(processed_slice, tokenizer, schema):
    torch.manual_seed(0)
    model = build_model(registry.resolve("tiny"), schema)
    split = processed_slice["validation"].select(range(16))
    whole = predict_proba(model, tokenizer, split.to_dict(), batch_size=4)
    chunks = (split[start : start + 6] for start in (0, 6, 12))  # 6 + 6 + 4 texts
    chunked = predict_proba_chunks(model, tokenizer, chunks, batch_size=4)
    np.testing.assert_allclose(chunked, whole, atol=1e-5)
    empty = predict_proba_chunks(model, tokenizer, iter(()), batch_size=4)
    assert empty.shape == (0, len(schema.label_names))


def test_label_matrix_follows_the_row_order_of_the_dataset(processed_slice):
    split = processed_slice["validation"]
    rows = [5, 0, 3]
    expected = np.asarray(split["labels"], dtype=np.float32)[rows]
    np.testing.assert_array_equal(label_matrix(split.select(rows)), expected)
