"""Inheritance between the snippet's own classes (engine/snippets/class_inheritance.py),
against plain torch in a subprocess: fast.ai's plain `Module` base with `__call__` and its
Lin/Relu/Mse subclasses (course22p2 02_backprop, shortened), nn.Module models deriving from
one another over more than one level, with super().__init__(...) given arguments (also as
super(Child, self) and Parent.__init__(self, ...), *args and **kwargs passed on),
super().forward(x), super().method() and super().a_property, methods, properties, static
methods and class attributes inherited or overridden, isinstance against each class, and a
data set class deriving from one of its own.
Multiple inheritance between the snippet's classes is refused with what is read."""

from __future__ import annotations

from snippet_agreement import agreement_tests
from test_corpus import engine_side

SNIPPETS = {
    # github nblzv/fastai_course22p2 02_backprop.ipynb, shortened: the manual backward of
    # the Module subclasses checked against autograd, its .g answers given to probe leaves
    'fastai_module_base_with_manual_backward': """import torch
from torch import nn
import torch.nn.functional as F
torch.manual_seed(0)
x_train = torch.rand(8, 6)
y_train = torch.randint(0, 10, (8,))
w1 = torch.randn(6, 5)
b1 = torch.zeros(5)
w2 = torch.randn(5, 1)
b2 = torch.zeros(1)

def test_close(a, b, eps=1e-5):
    assert (a - b).abs().max() < eps, f"not close: {a} {b}"

def mse(preds, y): return ((preds.squeeze() - y)**2).mean()

class Module:
    def __call__(self, inp, *args):
        self.inp = inp
        self.args = args
        self.out = self.forward()
        return self.out

    def forward(self): assert False
    def backward(self): assert False

class Lin(Module):
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def forward(self):
        return self.inp@self.w + self.b

    def backward(self):
        self.inp.g = self.out.g @ self.w.T
        self.w.g = self.inp.T @ self.out.g
        self.b.g = self.out.g.sum(0)

class Relu(Module):
    def forward(self):
        return self.inp.clamp_min(0.)

    def backward(self):
        self.inp.g = self.out.g * (self.inp > 0.0)

class Mse(Module):
    def forward (self):
        targ = self.args[0]
        return ((self.inp.squeeze() - targ)**2).mean()

    def backward(self):
        targ = self.args[0]
        self.inp.g = 2.0 * (self.inp.squeeze() - targ).unsqueeze(-1) / targ.shape[0]

class Model:
    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2)]
        self.loss = Mse()

    def __call__(self, x, targ):
        for l in self.layers:
            x = l(x)
        return self.loss(x, targ)

    def backward(self):
        self.loss.backward()
        for l in reversed(self.layers):
            l.backward()

model = Model(w1, b1, w2, b2)
loss = model(x_train, y_train)
model.backward()
assert isinstance(model.layers[0], Lin) and isinstance(model.layers[1], Module)
assert not isinstance(model.layers[1], Lin)

def mkgrad(x): return x.clone().requires_grad_(True)
pw1, pw2, pb1, pb2, px = tuple(map(mkgrad, (w1, w2, b1, b2, x_train)))
l1 = (px @ pw1 + pb1).clamp_min(0.)
mse(l1 @ pw2 + pb2, y_train).backward()
test_close(w1.g, pw1.grad, 0.01)
test_close(b2.g, pb2.grad, 0.01)
test_close(x_train.g, px.grad, 0.01)
probe_w1 = torch.zeros(6, 5, requires_grad=True)
probe_b1 = torch.zeros(5, requires_grad=True)
probe_x = torch.zeros(8, 6, requires_grad=True)
((probe_w1 * w1.g).sum() + (probe_b1 * b1.g).sum() + (probe_x * x_train.g).sum()).backward()

class Linear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = torch.randn(n_in, n_out).requires_grad_()
        self.b = torch.zeros(n_out).requires_grad_()

    def forward(self, inp):
        return inp@self.w + self.b

class Net(nn.Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.layers = [Linear(n_in, nh), nn.ReLU(), Linear(nh, n_out)]

    def __call__(self, x, targ):
        for l in self.layers: x = l(x)
        return F.mse_loss(x, targ.unsqueeze(-1))

net = Net(6, 5, 1)
loss = net(x_train.float(), y_train.float())
loss.backward()
first_w = net.layers[0].w
first_b = net.layers[0].b
""",
    'module_parents_over_three_levels_with_super': """import torch
import torch.nn as nn
torch.manual_seed(0)

class Base(nn.Module):
    scale = 2.0

    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)

    def forward(self, x):
        return torch.tanh(self.fc(x)) * self.scale

    def penalty(self):
        return (self.fc.weight ** 2).sum()

class Child(Base):
    def __init__(self, n_in, hidden, n_out):
        super().__init__(n_in, hidden)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        h = super().forward(x)
        return self.head(h)

class Grandchild(Child):
    scale = 0.5

    def __init__(self, n_in, hidden, n_out):
        super(Grandchild, self).__init__(n_in, hidden, n_out)
        self.w = nn.Parameter(torch.ones(n_out))

    def forward(self, x):
        return super().forward(x) * self.w + 0.1 * super().penalty()

model = Grandchild(3, 4, 2)
x = torch.randn(5, 3)
loss = model(x).pow(2).mean() + model.penalty()
loss.backward()
assert isinstance(model, Base) and isinstance(model, Child) and isinstance(model, nn.Module)
assert model.scale == 0.5 and Child.scale == 2.0
other = Child(3, 4, 1)
assert isinstance(other, Base) and not isinstance(other, Grandchild)
(other(x).sum() * 3).backward()
""",
    'inherited_init_and_overridden_helper': """import torch
import torch.nn as nn
torch.manual_seed(1)

class Parent(nn.Module):
    def __init__(self, width=3):
        super().__init__()
        self.lin = nn.Linear(width, width)

    def forward(self, x):
        return self.act(self.lin(x))

    def act(self, h):
        return torch.relu(h)

class Smooth(Parent):
    def act(self, h):
        return torch.sigmoid(h) + super().act(h)

class Same(Parent):
    pass

smooth = Smooth()
same = Same(width=3)
x = torch.randn(4, 3)
(smooth(x).sum() + same.forward(x).pow(2).sum()).backward()
""",
    'plain_classes_with_explicit_parent_init': """import torch
torch.manual_seed(0)

class Shape:
    sides = 0

    def __init__(self, w):
        self.w = w

    def area(self):
        return self.w * self.w

    def describe(self):
        return self.area() * self.sides

class Rect(Shape):
    sides = 4

    def __init__(self, w, h):
        super().__init__(w)
        self.h = h

    def area(self):
        return self.w * self.h

class Square(Rect):
    def __init__(self, w):
        Rect.__init__(self, w, w)

    def area(self):
        return super().area() + 1.0

a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
(Rect(a, b).describe() + Square(b).describe() + Shape(a).area()).backward()
""",
    'forwarded_arguments_property_and_static_method': """import torch
import torch.nn as nn
torch.manual_seed(2)

class Base(nn.Module):
    def __init__(self, n_in, n_out=2, **kw):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out, **kw)
        self.w = nn.Parameter(torch.ones(n_out))

    @property
    def doubled(self):
        return self.w * 2

    @staticmethod
    def squared(t):
        return t * t

    def forward(self, x):
        return self.fc(x)

class Head(Base):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def forward(self, x):
        return self.squared(super().forward(x)) * self.doubled + super().doubled

model = Head(3, n_out=4, bias=False)
model(torch.randn(5, 3)).sum().backward()
assert type(model).__name__ == "Head" and isinstance(model, Base)
""",
    'data_set_deriving_from_its_own_base': """import torch
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)

class Base(Dataset):
    def __init__(self, n):
        super().__init__()
        self.x = torch.randn(n)

    def __len__(self):
        return len(self.x)

class Squares(Base):
    def __getitem__(self, i):
        return self.x[i] ** 2

w = torch.tensor(2.0, requires_grad=True)
for b in DataLoader(Squares(4), batch_size=2):
    (w * b).sum().backward()
""",
}

reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS)


def test_multiple_inheritance_between_own_classes_is_refused() -> None:
    code = """import torch
import torch.nn as nn
class A(nn.Module):
    pass
class B(nn.Module):
    pass
class C(A, B):
    pass
model = C()
"""
    message = engine_side(code).get("refused", "")
    assert message.startswith("line 7, column "), message
    assert "multiple inheritance" in message, message
    assert "outside the computation Gradflow reads" in message, message
