"""The Kubernetes SDK, loaded only as far as the one resource this program registers with it.

`pulumi_kubernetes.core.v1` is a package whose `__init__` executes every module of the core API
group (52 modules, 4.5 MB of source: most of the cost of importing the SDK) to export their
classes. The SDK registers that package lazily when `pulumi_kubernetes.core` is first read, and a
module imported from a lazily registered package leaves the package unexecuted; so the Secret's
own module is imported that way, and a stack without the Secret imports nothing of it.
"""

from __future__ import annotations


def secret_class() -> type:
    """`pulumi_kubernetes.core.v1.Secret`, without executing the rest of `core.v1`."""
    import pulumi_kubernetes

    pulumi_kubernetes.core.v1  # noqa: B018 - runs core/__init__, which registers core.v1 lazily
    from pulumi_kubernetes.core.v1.Secret import Secret

    return Secret
