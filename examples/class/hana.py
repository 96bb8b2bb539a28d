# cnngrade exercise: conv2d-forward
# Hostile: smuggles torch in through an obfuscated import to let it do the work.
import importlib

nn = importlib.import_module("to" + "rch").nn.functional


def conv2d_forward(x, w, b, stride=1, padding=0):
    t = importlib.import_module("to" + "rch")
    return nn.conv2d(t.tensor(x), t.tensor(w), t.tensor(b), stride=stride, padding=padding).numpy()
