"""`torch.distributions.Categorical` of probabilities or logits that require grad (a policy's
REINFORCE loss, `-m.log_prob(action) * reward`): log_prob, entropy, probs and logits are
torch's own formulas, written out as the ops they are, so the policy's weights get torch's
gradients; sample draws torch's own way from the snippet's random stream and has no graph.
`Independent(Normal(loc, scale), n)` of a Normal with a graph (a SAC policy): the Normal's
log_prob and entropy summed over the last n dims, its samples as they are."""

from __future__ import annotations

import ast
from collections import ChainMap
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.distributions import Distributions, NormalDistribution
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Pending, Py, Ref, Value

_METHODS = ("log_prob", "entropy", "sample")
_ATTRIBUTES = ("probs", "logits")


@dataclass
class GraphCategorical:
    made: torch.distributions.Categorical  # torch's own, of the numbers: checks, samples
    probs: Value  # normalised, as torch keeps them
    logits: Value  # log-probabilities, normalised


@dataclass
class GraphIndependent:
    base: NormalDistribution
    dims: int  # reinterpreted_batch_ndims: the last dims that are one event


class CategoricalGraphs(Distributions):
    def numbers_distribution(self, path: str, node: ast.Call) -> Value:
        if path.removeprefix("torch.distributions.").removeprefix("independent.") == \
                "Independent":
            args, kwargs = self.arguments(node)
            named = dict(zip(("base_distribution", "reinterpreted_batch_ndims"), args,
                             strict=False)) | kwargs
            base = named.get("base_distribution")
            if isinstance(base, Py) and isinstance(base.value, NormalDistribution):
                dims = self.plain(named.get("reinterpreted_batch_ndims", Py(0)), node)
                if not isinstance(dims, int) or not 0 <= dims <= len(base.value.shape):
                    raise error_at(node, "Independent is read as Independent(Normal(...), n) "
                                         "with n up to the Normal's dims")
                return Py(GraphIndependent(base.value, dims))
        if path.removeprefix("torch.distributions.").removeprefix("categorical.") != \
                "Categorical":
            return super().numbers_distribution(path, node)
        args, kwargs = self.arguments(node)
        named = dict(zip(("probs", "logits", "validate_args"), args, strict=False)) | kwargs
        given = [v for k, v in named.items() if k in ("probs", "logits")]
        if not any(isinstance(v, Pending | Ref) and self.needs_grad(v) for v in given):
            return super().numbers_distribution(path, node)
        plain, plain_named = self.numbers_of(args, kwargs, node)
        try:  # torch's own checks (both or neither given, a probability below 0)
            made = torch.distributions.Categorical(*plain, **plain_named)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if "probs" in named:
            probs = self.written("_p / _p.sum(-1, keepdim=True)", {"_p": named["probs"]}, node)
            eps = torch.finfo(made.probs.dtype).eps  # torch's clamp_probs
            logits = self.written(f"_q.clamp(min={eps!r}, max={1 - eps!r}).log()",
                                  {"_q": probs}, node)
        else:
            logits = self.written("_l - _l.logsumexp(-1, keepdim=True)",
                                  {"_l": named["logits"]}, node)
            probs = self.written("_n.softmax(-1)", {"_n": logits}, node)
        return Py(GraphCategorical(made, probs, logits))

    def written(self, text: str, names: dict[str, Value], node: ast.AST) -> Value:
        """The expression read as the snippet's own code at `node`, with these names."""
        tree = ast.parse(text, mode="eval").body
        for part in ast.walk(tree):
            ast.copy_location(part, node)
        saved = self.env
        self.env = ChainMap(dict(names), saved)
        try:
            return self.expr(tree)
        finally:
            self.env = saved

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        dist = value.value
        if isinstance(dist, GraphIndependent):
            cut = len(dist.base.shape) - dist.dims
            if attr in ("batch_shape", "event_shape"):
                shape = dist.base.shape[:cut] if attr == "batch_shape" else dist.base.shape[cut:]
                return self.wrap(torch.Size(shape), node)
            if attr in ("mean", "stddev", "variance"):
                return super().plain_attribute(Py(dist.base), attr, node)
            raise error_at(node, f"Independent.{attr} is not read; Gradflow reads batch_shape, "
                                 "event_shape, mean, stddev, variance, log_prob, entropy, "
                                 "sample, rsample")
        if not isinstance(dist, GraphCategorical):
            return super().plain_attribute(value, attr, node)
        if attr not in _ATTRIBUTES:
            raise error_at(node, f"Categorical.{attr} is not read; Gradflow reads "
                                 f"{', '.join(_ATTRIBUTES + _METHODS)}")
        return dist.probs if attr == "probs" else dist.logits

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, GraphIndependent):
            independent = receiver.value
            answer = super().method(Py(independent.base), attr, node)
            if attr not in ("log_prob", "entropy") or independent.dims == 0:
                return answer
            dims = ", ".join(str(-1 - k) for k in range(independent.dims))
            return self.written(f"_a.sum(({dims},))", {"_a": answer}, node)
        if not (isinstance(receiver, Py) and isinstance(receiver.value, GraphCategorical)):
            return super().method(receiver, attr, node)
        dist = receiver.value
        args, kwargs = self.arguments(node)
        if attr == "log_prob" and len(args) == 1 and not kwargs:
            return self.categorical_log_prob(dist, args[0], node)
        if attr == "entropy" and not args and not kwargs:
            low = torch.finfo(dist.made.logits.dtype).min
            return self.written(f"-(_l.clamp(min={low!r}) * _p).sum(-1)",
                                {"_l": dist.logits, "_p": dist.probs}, node)
        if attr == "sample" and not kwargs and len(args) <= 1:
            return self.categorical_sample(dist, args, node)
        raise error_at(node, f"Categorical.{attr}(...) is not read; Gradflow reads "
                             f"{', '.join(_METHODS)} (sample with a shape)")

    def categorical_log_prob(self, dist: GraphCategorical, value: Value,
                             node: ast.Call) -> Value:
        """torch's: the action's place of the logits, broadcast with them (the action a
        constant: an index has no gradient)."""
        if self.needs_grad(value):
            raise error_at(node, "Categorical.log_prob is read of actions that need no "
                                 "gradient")
        try:
            dist.made.log_prob(self.concrete(value, node))  # torch's own checks
            index, logits = torch.broadcast_tensors(
                torch.as_tensor(self.concrete(value, node)).long().unsqueeze(-1),
                dist.made.logits)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        names: dict[str, Any] = {"_l": dist.logits, "_i": self.from_tensor(index[..., :1],
                                                                           node)}
        if tuple(logits.shape) != tuple(dist.made.logits.shape):
            shape = ", ".join(str(n) for n in logits.shape)
            return self.written(f"_l.expand({shape}).gather(-1, _i).squeeze(-1)", names, node)
        return self.written("_l.gather(-1, _i).squeeze(-1)", names, node)

    def categorical_sample(self, dist: GraphCategorical, args: list[Value],
                           node: ast.Call) -> Value:
        shape = torch.Size(self.plain(args[0], node)) if args else torch.Size()
        outside = torch.get_rng_state()  # torch's sample draws from the global stream
        torch.set_rng_state(self.generator.get_state())
        try:
            drawn = dist.made.sample(shape)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        finally:
            self.generator.set_state(torch.get_rng_state())
            torch.set_rng_state(outside)
        return self.from_tensor(drawn, node)


__all__ = ["CategoricalGraphs"]
