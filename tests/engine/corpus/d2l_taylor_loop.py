# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_appendix-mathematics-for-deep-learning/single-variable-calculus.md — changes: the L(x) cell as written (plain numbers, no tensors)
def L(x):
    return x**2 + 1701*(x-4)**3

for epsilon in [0.1, 0.001, 0.0001, 0.00001]:
    print(f'epsilon = {epsilon:.5f} -> {(L(4+epsilon) - L(4)) / epsilon:.5f}')
