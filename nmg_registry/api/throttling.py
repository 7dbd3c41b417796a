"""API limits beyond DRF's own: refused API tokens count against the anonymous rate."""

from rest_framework.throttling import AnonRateThrottle


class FailedTokenThrottle(AnonRateThrottle):
    """The anonymous rate's count for a client address, the very count DRF's AnonRateThrottle
    keeps (same scope, same address), fed by refused API tokens: guessing keys spends the
    budget of anonymous requests, and once it is spent every token from that address waits
    (429) without being looked up, so a right guess cannot be told from a wrong one."""

    def get_cache_key(self, request, view):
        # Asked while the user is still being found out: the address alone identifies.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def spent(self, request) -> bool:
        """Whether the address has used up the anonymous rate, without counting this request."""
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def count(self, request) -> None:
        """Counts a refused token against the address's anonymous rate."""
        if self.rate is not None and not self.spent(request):
            self.throttle_success()
