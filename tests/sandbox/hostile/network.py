"""Opens a network connection to exfiltrate data. Expected: "forbidden"."""
import socket


def f(x):
    socket.create_connection(("example.com", 80), timeout=1)
    return x
