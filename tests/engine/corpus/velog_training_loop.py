# source: https://velog.io/@jsyeon/Autograd자동미분 — changes: the model step sketch (uses a model, an optimizer and a data loop)
import torch
criterion = torch.nn.BCEWithLogitsLoss()
for epoch in epochs():
    optimizer.zero_grad()
    ouptut = model(input)
    loss = criterion(output, labels)
    loss. backward()
    optimizer.step()
