"""The nn modules the snippet reader knows, by kind (the activations, shaping modules and
losses with the registry op each applies, and the options each takes), and walking a
module's tree as torch does: its children's names, its parameters in torch's order and under
torch's names (engine/snippets/modules.py reads the modules themselves)."""

from __future__ import annotations

from typing import Any

from engine.more_ops import ACTIVATION_MODULE_OPTIONS, ACTIVATION_MODULES
from engine.snippets.values import Module, Py

ACTIVATIONS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyReLU": "leaky_relu",
               "ELU": "elu", "Softplus": "softplus", "GELU": "gelu", "Softmax": "softmax",
               "LogSoftmax": "log_softmax", "Hardtanh": "hardtanh", "ReLU6": "relu6",
               **ACTIVATION_MODULES}  # engine/more_ops.py
# the options an activation module takes, in torch's order (inplace= is read apart)
ACTIVATION_OPTIONS = {"LeakyReLU": ("negative_slope",), "ELU": ("alpha",),
                      "Softplus": ("beta", "threshold"), "GELU": ("approximate",),
                      "Softmax": ("dim",), "LogSoftmax": ("dim",),
                      "Hardtanh": ("min_val", "max_val"), **ACTIVATION_MODULE_OPTIONS}
# the activations whose torch module takes inplace right after its options (nn.ReLU(True),
# nn.LeakyReLU(0.2, True): how DCGAN's generator and discriminator are written)
INPLACE_NEXT = ("ReLU", "LeakyReLU", "ELU", "Hardtanh", "ReLU6", "SiLU", "Mish", "SELU", "CELU",
                "Hardsigmoid", "Hardswish")
# the arguments a layer is read with, in torch's order
LAYER_OPTIONS = {"Linear": ("in_features", "out_features", "bias", "dtype"),
                  "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias", "dtype"),
                  "Embedding": ("num_embeddings", "embedding_dim", "padding_idx", "dtype",
                                "scale_grad_by_freq"),
                  **{f"Conv{n}d": ("in_channels", "out_channels", "kernel_size", "stride",
                                   "padding", "dilation", "groups", "bias", "padding_mode",
                                   "dtype") for n in (1, 2)},
                  **{f"ConvTranspose{n}d": ("in_channels", "out_channels", "kernel_size",
                                            "stride", "padding", "output_padding", "groups",
                                            "bias", "dilation", "padding_mode", "dtype")
                     for n in (1, 2)},
                  **{f"BatchNorm{n}d": ("num_features", "eps", "momentum", "affine",
                                        "track_running_stats", "dtype") for n in (1, 2)},
                  # recurrent layers, unrolled over time (recurrent.py)
                  "RNN": ("input_size", "hidden_size", "num_layers", "nonlinearity", "bias",
                          "batch_first", "dropout", "bidirectional", "dtype"),
                  **{kind: ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
                            "dropout", "bidirectional", "proj_size", "dtype")
                     for kind in ("LSTM", "GRU")},
                  "RNNCell": ("input_size", "hidden_size", "bias", "nonlinearity", "dtype"),
                  **{kind: ("input_size", "hidden_size", "bias", "dtype")
                     for kind in ("LSTMCell", "GRUCell")}}
# the layers of engine/snippets/layers.py: convolutions, pools, batch norm
LAYERS = ("Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
          "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm1d",
          "BatchNorm2d")
# modules that only rearrange or pass their input: the options each takes, in torch's order
SHAPING = {"Flatten": ("start_dim", "end_dim"), "Identity": (), "Dropout": ("p", "inplace"),
           "Dropout1d": ("p", "inplace"), "Dropout2d": ("p", "inplace"),
           "Dropout3d": ("p", "inplace")}
# channel dropouts: the dims of a batch they take (N, C, and 1, 2 or 3 more)
FEATURE_DROPOUTS = {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5}
LOSSES = {"MSELoss": "mse_loss", "L1Loss": "l1_loss", "CrossEntropyLoss": "cross_entropy",
          "BCELoss": "binary_cross_entropy", "BCEWithLogitsLoss":
          "binary_cross_entropy_with_logits", "NLLLoss": "nll_loss",
          "SmoothL1Loss": "smooth_l1_loss", "HuberLoss": "huber_loss", "KLDivLoss": "kl_div",
          "MarginRankingLoss": "margin_ranking_loss", "PoissonNLLLoss": "poisson_nll_loss",
          # engine/loss_ops.py
          "TripletMarginLoss": "triplet_margin_loss", "GaussianNLLLoss": "gaussian_nll_loss",
          "MultiLabelMarginLoss": "multilabel_margin_loss", "MultiMarginLoss": "multi_margin_loss",
          "SoftMarginLoss": "soft_margin_loss", "CosineEmbeddingLoss": "cosine_embedding_loss",
          "HingeEmbeddingLoss": "hinge_embedding_loss",
          "MultiLabelSoftMarginLoss": "multilabel_soft_margin_loss"}
# losses of three tensors (input1, input2 and the target; anchor, positive, negative...)
THREE_INPUTS = ("MarginRankingLoss", "TripletMarginLoss", "GaussianNLLLoss",
                "CosineEmbeddingLoss")
# what a loss module takes besides reduction=
LOSS_OPTIONS = {"SmoothL1Loss": ("beta",), "HuberLoss": ("delta",),
                 "KLDivLoss": ("log_target",), "CrossEntropyLoss": ("weight", "label_smoothing",
                                                            "ignore_index"),
                 "BCEWithLogitsLoss": ("pos_weight",), "MarginRankingLoss": ("margin",),
                 "TripletMarginLoss": ("margin", "p", "eps", "swap"),
                 "GaussianNLLLoss": ("full", "eps"), "MultiMarginLoss": ("p", "margin", "weight"),
                 "CosineEmbeddingLoss": ("margin",), "HingeEmbeddingLoss": ("margin",),
                 "MultiLabelSoftMarginLoss": ("weight",)}
# the loss modules whose first arguments are options, not size_average: those, in order
LOSS_POSITIONAL = {"MarginRankingLoss": ("margin",),
                   "TripletMarginLoss": ("margin", "p", "eps", "swap"),
                   "MultiMarginLoss": ("p", "margin", "weight"),
                   "CosineEmbeddingLoss": ("margin",), "HingeEmbeddingLoss": ("margin",),
                   "MultiLabelSoftMarginLoss": ("weight",)}
# modules of two inputs that are not losses: the op and its options, in torch's order
PAIRED = {"CosineSimilarity": ("cosine_similarity", ("dim", "eps"))}
MODULES = ("Linear", "Embedding", "LayerNorm", "Sequential", "ModuleList", "ModuleDict", *LAYERS,
           "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           *ACTIVATIONS,
           *SHAPING, *LOSSES, *PAIRED)
# modules that hold others in order, named 0, 1, ... (indexed, iterated, len()), and the
# ModuleDict, whose modules are named by their keys (module_dicts.py)
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def inplace_by_position(kind: str, args: list[Any], kwargs: dict[str, Any]
                        ) -> tuple[list[Any], dict[str, Any]]:
    """An activation's arguments with an inplace given by position moved to the keywords."""
    if kind in INPLACE_NEXT and len(args) == len(ACTIVATION_OPTIONS.get(kind, ())) + 1 \
            and "inplace" not in kwargs:
        return args[:-1], {**kwargs, "inplace": args[-1]}
    return args, kwargs


def child_names(module: Module) -> list[str]:
    """fc1, act in a model of the snippet's class; 0, 1, ... in a Sequential."""
    return module.names or [str(i) for i in range(len(module.children))]


def members(module: Module) -> list[Any]:
    """What `for m in container` visits: a Sequential's or ModuleList's modules, a
    ModuleDict's keys (as Python's dict iteration gives them)."""
    if module.kind == "ModuleDict":
        return [Py(key) for key in module.names]
    return [Py(child) for child in module.children]


def set_training(module: Module, training: bool) -> None:
    module.training = training
    for child in module.children:
        set_training(child, training)


def named_parameters_of(module: Module, prefix: str = "",
                        seen: set[int] | None = None) -> list[tuple[str, Any]]:
    """torch's names in torch's order: weight, bias; 0.weight, 2.bias inside a Sequential;
    fc1.weight in a model class (its own parameters first, then each child's in the order
    they were assigned). A parameter met twice (one layer used twice) is named once."""
    seen = set() if seen is None else seen
    out: list[tuple[str, Any]] = []
    for name, p in module.params.items():
        if id(p) not in seen:
            seen.add(id(p))
            out.append((prefix + name, p))
    for name, child in zip(child_names(module), module.children, strict=True):
        out.extend(named_parameters_of(child, f"{prefix}{name}.", seen))
    return out


def parameters_of(module: Module) -> list[Any]:
    return [p for _, p in named_parameters_of(module)]
