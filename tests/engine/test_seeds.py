from engine.seeds import backward_call, flatten, nest


def test_nest_and_flatten_round_trip_by_shape():
    flat = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert nest(flat, (2, 3)) == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert flatten(nest(flat, (3, 2))) == flat
    assert nest([2.5], ()) == 2.5


def test_backward_call_reads_like_the_article():
    assert backward_call("loss", [1, 0.5], True, (2,)) == \
        "loss.backward(gradient=torch.tensor([1.0, 0.5]))"
    assert backward_call("loss", [1, 0.5], False, (2,)) == "loss.backward()"
    assert backward_call("loss", None, True, ()) == "loss.backward()"
    assert backward_call("y", None, True, (2,)) == "y.backward(gradient=torch.tensor([1.0, 1.0]))"
    assert backward_call("y", None, True, None) == "y.backward(gradient=torch.ones_like(y))"
