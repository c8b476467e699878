"""Where stacks written by earlier releases find the dispatch rule's provider: its `__provider`, pickled by name,
reads `pulumi_livekit._dispatch_rule.PROVIDER` (or, from the first releases, an instance of the class named here)."""

from ._core.dispatch_rule import PROVIDER, DispatchRuleProvider

__all__ = ["PROVIDER", "DispatchRuleProvider"]
