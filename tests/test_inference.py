import numpy as np
import torch

from mltc.modeling import registry
from mltc.modeling.build import build_model
from mltc.modeling.inference import predict_proba


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
