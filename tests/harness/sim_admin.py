"""The cloud simulator's admin API over HTTP, as the end-to-end tests and the benchmarks
drive it; each adds the calls it needs."""

from __future__ import annotations

import json
import urllib.request


class SimulatorAdmin:
    timeout = 10.0

    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def sessions(self, installation: str) -> list[str]:
        return self.call("GET", f"/_sim/sessions?installation={installation}")

    def configure(self, installation: str, **settings):
        """Merges settings into the installation's, e.g. dialect="flat",
        agentsReady={"Support": True}; None drops a setting."""
        self.call("POST", f"/_sim/installations/{installation}/settings", settings)

    def dialects(self) -> list[str]:
        """Every dialect the simulator speaks, `documented` first."""
        return self.call("GET", "/_sim/dialects")
