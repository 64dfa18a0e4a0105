"""`torch.distributions.Normal(loc, scale)` as torch computes it (a policy's log-probability,
a VAE's reparameterised sample): `log_prob(v)` and `entropy()` are the ops torch's own
formulas run, in the same order, so the numbers and the gradients are torch's; `rsample()`
is `loc + eps * scale` with eps drawn from the snippet's random stream as torch draws it
(`normal_()` on an empty tensor), `sample()` the same draw of `torch.normal` without a graph;
`.loc`, `.scale`, `.mean`, `.stddev`, `.variance`. torch itself makes the distribution from
the numbers first, so a scale that is not positive raises torch's own ValueError.
`Uniform(low, high).sample(shape)` of numbers (weights drawn in a range) is torch's draw from
the snippet's random stream. Any other distribution of torch's is read on numbers that need
no gradient (noise with outliers from StudentT, labels from Bernoulli): torch's own object
draws from the snippet's random stream, and log_prob, cdf, entropy, mean... are its numbers.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.mixed_precision import MixedPrecision
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Pending, Py, Ref, Value

NORMALS = ("distributions.Normal", "distributions.normal.Normal")
UNIFORMS = ("distributions.Uniform", "distributions.uniform.Uniform")
_METHODS = ("log_prob", "cdf", "entropy", "sample", "rsample")
_ATTRIBUTES = ("loc", "scale", "mean", "stddev", "variance")


@dataclass
class NormalDistribution:
    loc: Value
    scale: Value
    shape: tuple[int, ...]  # the batch shape: loc and scale broadcast


@dataclass(frozen=True)
class DistributionMethod:
    """`cdf = torch.distributions.Normal(0, 1).cdf`: the method, called later (`cdf(-d2)`)."""

    dist: NormalDistribution
    attr: str


@dataclass
class UniformDistribution:
    made: torch.distributions.Uniform  # torch's own, of numbers without a graph


@dataclass
class NumbersDistribution:
    made: torch.distributions.Distribution  # torch's own, of numbers without a graph


# what a distribution of numbers answers with numbers of its own
_NUMBERS_METHODS = ("sample", "rsample", "log_prob", "cdf", "icdf", "entropy")
_NUMBERS_ATTRIBUTES = ("mean", "mode", "variance", "stddev", "batch_shape", "event_shape")


class Distributions(MixedPrecision):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in NORMALS:
            return self.normal(node)
        if short in UNIFORMS:
            return self.uniform(node)
        if short.startswith("distributions."):
            return self.numbers_distribution(path, node)
        return super().torch_call(path, node)

    def numbers_distribution(self, path: str, node: ast.Call) -> Value:
        found: object = torch
        for part in path.removeprefix("torch.").split("."):
            found = getattr(found, part, None)
        if not (isinstance(found, type) and issubclass(found, torch.distributions.Distribution)):
            raise error_at(node, f"{path} is not one of torch's distributions")
        args, kwargs = self.arguments(node)
        if any(self.needs_grad(v) for v in [*args, *kwargs.values()]):
            raise error_at(node, f"{path} is read with parameters that need no gradient; "
                                 "Normal's log_prob and rsample are read with a graph")
        plain, named = self.numbers_of(args, kwargs, node)
        try:  # torch's own checks of the parameters
            return Py(NumbersDistribution(found(*plain, **named)))
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    def numbers_of(self, args: list[Value], kwargs: dict[str, Value], node: ast.AST
                   ) -> tuple[list[Any], dict[str, Any]]:
        """Arguments as torch takes them: tensors' numbers, plain Python for the rest."""
        def number(v: Value) -> Any:
            return self.concrete(v, node) if isinstance(v, Pending | Ref) else self.plain(v, node)
        return [number(v) for v in args], {k: number(v) for k, v in kwargs.items()}

    def numbers_answer(self, dist: NumbersDistribution, attr: str, node: ast.Call) -> Value:
        """sample(shape) drawn by torch's own code from the snippet's random stream; the
        other methods torch's numbers for numbers that need no gradient."""
        if attr not in _NUMBERS_METHODS:
            raise error_at(node, f"{type(dist.made).__name__}.{attr}(...) is not read; "
                                 f"Gradflow reads {', '.join(_NUMBERS_METHODS)}")
        args, kwargs = self.arguments(node)
        if any(self.needs_grad(v) for v in [*args, *kwargs.values()]):
            raise error_at(node, f"{type(dist.made).__name__}.{attr} is read on numbers that "
                                 "need no gradient")
        plain, _ = self.numbers_of(args, {}, node)
        if attr in ("sample", "rsample"):
            plain = [torch.Size(p) for p in plain]
        outside = torch.get_rng_state()  # torch's sample draws from the global stream
        torch.set_rng_state(self.generator.get_state())
        try:
            answer = getattr(dist.made, attr)(*plain, **{
                k: self.plain(v, node) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        finally:
            self.generator.set_state(torch.get_rng_state())
            torch.set_rng_state(outside)
        return self.from_tensor(answer.detach(), node)

    def normal(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        names = ("loc", "scale", "validate_args")
        named = dict(zip(names, args, strict=False)) | kwargs
        if len(args) > 3 or set(named) - set(names) or not {"loc", "scale"} <= set(named):
            raise error_at(node, "Normal is read as Normal(loc, scale)")
        loc, scale = named["loc"], named["scale"]
        numbers = [self.concrete(v, node) if isinstance(v, Pending | Ref) else self.plain(v, node)
                   for v in (loc, scale)]
        try:  # torch's own checks (a scale that is not positive) and its broadcast
            made = torch.distributions.Normal(*numbers)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        # broadcast_all: a number becomes a tensor of the other's dtype (or the default)
        loc_v, scale_v = (v if isinstance(v, Pending | Ref) else self.from_tensor(t, node)
                          for v, t in ((loc, made.loc), (scale, made.scale)))
        return Py(NormalDistribution(loc_v, scale_v, tuple(made.batch_shape)))

    def uniform(self, node: ast.Call) -> Value:
        """Uniform(low, high) of numbers or tensors without grad (initial weights drawn in
        a range): torch's own distribution, its samples drawn below."""
        args, kwargs = self.arguments(node)
        if any(self.needs_grad(v) for v in [*args, *kwargs.values()]):
            raise error_at(node, "Uniform is read with low and high that need no gradient")
        plain, named = self.numbers_of(args, kwargs, node)
        try:  # torch's own checks (low not below high)
            return Py(UniformDistribution(torch.distributions.Uniform(*plain, **named)))
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    def uniform_sample(self, dist: UniformDistribution, node: ast.Call) -> Value:
        """sample(shape) as torch's rsample computes it: low + rand · (high − low), rand
        drawn from the snippet's random stream."""
        args, kwargs = self.arguments(node)
        if kwargs or len(args) > 1:
            raise error_at(node, "Uniform.sample is read with a shape: sample((3,))")
        made = dist.made
        extra = tuple(self.plain(args[0], node)) if args else ()
        shape = (*extra, *made.batch_shape, *made.event_shape)
        rand = torch.rand(shape, dtype=made.low.dtype, generator=self.generator)
        return self.from_tensor(made.low + rand * (made.high - made.low), node)

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        dist = value.value
        if isinstance(dist, NumbersDistribution):
            if attr not in _NUMBERS_ATTRIBUTES:
                raise error_at(node, f"{type(dist.made).__name__}.{attr} is not read; "
                                     f"Gradflow reads {', '.join(_NUMBERS_ATTRIBUTES)}")
            try:
                answer = getattr(dist.made, attr)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
            return self.wrap(answer, node)
        if not isinstance(dist, NormalDistribution):
            return super().plain_attribute(value, attr, node)
        if attr in _METHODS:
            return Py(DistributionMethod(dist, attr))
        if attr not in _ATTRIBUTES:
            raise error_at(node, f"Normal.{attr} is not read; Gradflow reads "
                                 f"{', '.join(_ATTRIBUTES + _METHODS)}")
        if attr in ("loc", "mean"):
            return self.spread(dist.loc, dist, node)
        scale = self.spread(dist.scale, dist, node)
        if attr == "variance":
            return self.binop(ast.Pow(), scale, Number(2), node)
        return scale

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, DistributionMethod):
            return self.method(Py(target.value.dist), target.value.attr, node)
        return super().call_value(target, node)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, NumbersDistribution):
            return self.numbers_answer(receiver.value, attr, node)
        if isinstance(receiver, Py) and isinstance(receiver.value, UniformDistribution):
            if attr not in ("sample", "rsample"):
                raise error_at(node, f"Uniform.{attr}(...) is not read; Gradflow reads sample")
            return self.uniform_sample(receiver.value, node)
        if not (isinstance(receiver, Py) and isinstance(receiver.value, NormalDistribution)):
            return super().method(receiver, attr, node)
        dist = receiver.value
        args, kwargs = self.arguments(node)
        if attr == "log_prob" and len(args) == 1 and not kwargs:
            return self.log_prob(dist, args[0], node)
        if attr == "cdf" and len(args) == 1 and not kwargs:
            return self.cdf(dist, args[0], node)
        if attr == "entropy" and not args and not kwargs:
            scale = self.spread(dist.scale, dist, node)
            constant = 0.5 + 0.5 * math.log(2 * math.pi)
            return self.binop(ast.Add(), Number(constant), self.op_node("log", [scale], {},
                                                                        node), node)
        if attr in ("sample", "rsample") and not kwargs and len(args) <= 1:
            extra = tuple(self.plain(args[0], node)) if args else ()
            return self.drawn(dist, attr, (*extra, *dist.shape), node)
        raise error_at(node, f"Normal.{attr}(...) is not read; Gradflow reads "
                             f"{', '.join(_METHODS)} (sample and rsample with a shape)")

    def log_prob(self, dist: NormalDistribution, value: Value, node: ast.Call) -> Value:
        """torch's formula, op by op: -((v - loc) ** 2) / (2 * var) - log(scale) - log√(2π)."""
        var = self.binop(ast.Pow(), dist.scale, Number(2), node)
        log_scale = self.op_node("log", [dist.scale], {}, node)
        square = self.binop(ast.Pow(), self.binop(ast.Sub(), value, dist.loc, node), Number(2),
                            node)
        negated = self.op_node("neg", [square], {}, node) if isinstance(square, Pending | Ref) \
            else Number(-self.plain(square, node))
        ratio = self.binop(ast.Div(), negated, self.binop(ast.Mult(), Number(2), var, node),
                           node)
        minus_log = self.binop(ast.Sub(), ratio, log_scale, node)
        return self.binop(ast.Sub(), minus_log, Number(math.log(math.sqrt(2 * math.pi))), node)

    def cdf(self, dist: NormalDistribution, value: Value, node: ast.Call) -> Value:
        """torch's formula, op by op: 0.5 · (1 + erf((v - loc) · (1 / scale) / √2)) (the
        Black-Scholes price whose greeks a learner asks of autograd)."""
        inverse = self.op_node("reciprocal", [dist.scale], {}, node) \
            if isinstance(dist.scale, Pending | Ref) else Number(1 / self.plain(dist.scale, node))
        scaled = self.binop(ast.Mult(), self.binop(ast.Sub(), value, dist.loc, node), inverse,
                            node)
        z = self.binop(ast.Div(), scaled, Number(math.sqrt(2)), node)
        erf = self.op_node("erf", [z], {}, node) if isinstance(z, Pending | Ref) \
            else Number(math.erf(self.plain(z, node)))
        return self.binop(ast.Mult(), Number(0.5), self.binop(ast.Add(), Number(1), erf, node),
                          node)

    def drawn(self, dist: NormalDistribution, attr: str, shape: tuple[int, ...],
              node: ast.Call) -> Value:
        loc = self.concrete(dist.loc, node)
        scale = self.concrete(dist.scale, node)
        if attr == "sample":  # torch.normal of the expanded loc and scale, without a graph
            with torch.no_grad():
                drawn = torch.normal(loc.expand(shape), scale.expand(shape),
                                     generator=self.generator)
            return self.from_tensor(drawn, node)
        eps = torch.empty(shape, dtype=loc.dtype).normal_(generator=self.generator)
        return self.binop(ast.Add(), dist.loc, self.binop(
            ast.Mult(), self.from_tensor(eps, node), dist.scale, node), node)

    def spread(self, value: Value, dist: NormalDistribution, node: ast.AST) -> Value:
        """loc or scale at the distribution's batch shape, as broadcast_all keeps them
        (adding zeros: the same numbers, and the gradient summed back as expand's is)."""
        if tuple(self.concrete(value, node).shape) == dist.shape:
            return value
        zeros = self.from_tensor(torch.zeros(dist.shape, dtype=self.concrete(value, node).dtype),
                                 node)
        return self.binop(ast.Add(), value, zeros, node)


__all__ = ["Distributions", "NormalDistribution"]
