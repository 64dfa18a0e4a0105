# source: https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1 (a copy of the fast.ai forum post "Lesson 2: Gradient Descent", andrew77, March 17 2020) — changes: the lesson notebook's x, y, mse, lr and training loop (n=100, lr=1e-1, 100 steps) written around the posted update(); torch.manual_seed(0)
import torch
torch.manual_seed(0)
n = 100
x = torch.ones(n, 2)
x[:, 0].uniform_(-1., 1)
a = torch.tensor([3., 2])
y = x @ a + torch.rand(n)

def mse(y_hat, y): return ((y_hat - y) ** 2).mean()

a = torch.tensor([-5., 5.], requires_grad=True)
lr = 1e-1

def update():
    # Calculate y_hat
    y_hat = x @ a
    # Calculate loss
    loss = mse(y, y_hat)
    # Print loss every 10 loops
    if t % 10 == 0: 
        print(loss)
    # Compute the derivatives, you can call .backward()
    loss.backward()
    # To prevent tracking history (and using memory), you can also wrap the code block in with torch.no_grad():.
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()

for t in range(100): update()
print(a)
