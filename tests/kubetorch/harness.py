"""Runs Python Kubetorch's own secrets code for the interop tests (tests/tests/kubetorch.rs).

Kubetorch 0.5.1 never calls the Kubernetes API itself: every secrets call goes through its
ControllerClient (kubetorch/globals.py) to the kubetorch controller, a service in the cluster
that relays `/controller/secrets/<ns>[/<name>]` to `/api/v1/namespaces/<ns>/secrets[/<name>]`
and answers with the API server's objects. That controller is not part of the PyPI package, so
the one thing stubbed here is that relay: a loopback HTTP server that forwards each call, body
unchanged, to the API server named by $KUBECONFIG (TLS with its CA, its bearer token), PATCH
as a JSON merge patch. Kubetorch reaches it through KT_API_URL, its own setting for a
controller URL (kubetorch/config.py), with its own HTTP client, retries and error handling.

Usage: python harness.py OUT.json < ops.json
Each op is run in order and its result written to OUT.json (a list). Kubetorch's own log
lines go to stdout/stderr and are not parsed. No result carries a secret value.
"""

import base64
import json
import os
import sys
import tempfile
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml


def loopback_api():
    """Server URL, CA file and token of the current context of $KUBECONFIG."""
    with open(os.environ["KUBECONFIG"]) as f:
        kc = yaml.safe_load(f)
    ctx = next(c["context"] for c in kc["contexts"] if c["name"] == kc["current-context"])
    cluster = next(c["cluster"] for c in kc["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in kc["users"] if u["name"] == ctx["user"])
    ca = tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False)
    ca.write(base64.b64decode(cluster["certificate-authority-data"]))
    ca.close()
    return cluster["server"], ca.name, user["token"]


API, CA_FILE, TOKEN = loopback_api()
UPSTREAM = httpx.Client(verify=CA_FILE, timeout=30)


class Relay(BaseHTTPRequestHandler):
    """The controller's secrets routes, relayed to the API server."""

    def _relay(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if parts[:2] != ["controller", "secrets"] or len(parts) not in (3, 4):
            self._answer(404, b'{"detail": "not a secrets route of the controller"}')
            return
        target = f"{API}/api/v1/namespaces/{parts[2]}/secrets"
        if len(parts) == 4:
            target += f"/{parts[3]}"
        params = {}
        selector = parse_qs(url.query).get("label_selector")
        if selector:
            params["labelSelector"] = selector[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if body is not None:
            headers["Content-Type"] = (
                "application/merge-patch+json" if self.command == "PATCH" else "application/json"
            )
        r = UPSTREAM.request(self.command, target, content=body, headers=headers, params=params)
        self._answer(r.status_code, r.content)

    def _answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _relay

    def log_message(self, *args):
        pass


relay = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
threading.Thread(target=relay.serve_forever, daemon=True).start()
os.environ["KT_API_URL"] = f"http://127.0.0.1:{relay.server_address[1]}"

import kubetorch as kt  # noqa: E402  (after KT_API_URL: kubetorch reads its config on import)
from kubetorch.resources.secrets.kubernetes_secrets_client import (  # noqa: E402
    KubernetesSecretsClient,
)


def build(spec):
    """A kubetorch Secret from a spec, through the constructor a user would call."""
    override = spec.get("override", False)
    if "from_name" in spec:
        s = kt.Secret.from_name(spec["from_name"])
        if s is None:
            raise LookupError(f"kt.Secret.from_name({spec['from_name']!r}) found nothing")
        return s
    if "provider" in spec:
        return kt.Secret.from_provider(spec["provider"], name=spec.get("name"), override=override)
    if "values" in spec:
        # With `path`: a volume secret of these values, mounted at that path.
        return kt.Secret(
            name=spec.get("name"), values=spec["values"], path=spec.get("path"), override=override
        )
    if "path" in spec:
        return kt.Secret.from_path(spec["path"], name=spec.get("name"), override=override)
    if "env_vars" in spec:
        return kt.Secret.from_env(spec["env_vars"], name=spec.get("name"), override=override)
    raise ValueError(f"unknown secret spec {spec}")


def describe(s):
    return {
        "name": s.name,
        "object": KubernetesSecretsClient()._format_secret_name(s.name),
        "provider": s.provider,
        "path": s.path,
        "filenames": getattr(s, "filenames", None),
        "env_vars": list(s.env_vars) if s.env_vars else None,
    }


def run(op):
    kind = op["op"]
    if kind == "create_or_update":
        s = build(op["secret"])
        ok = KubernetesSecretsClient().create_or_update_secret(s)
        return {"ok": bool(ok), **describe(s)}
    if kind == "describe":
        return describe(build(op["secret"]))
    if kind == "pod":
        # The pod template kt.Compute builds, with the secrets as Compute gets them.
        compute = kt.Compute(cpus="0.1", secrets=[build(s) for s in op["secrets"]])
        return {"pod_spec": compute.pod_spec}
    raise ValueError(f"unknown op {kind}")


def main():
    ops = json.load(sys.stdin)
    results = []
    for op in ops:
        try:
            results.append({"ok": True, **run(op)})
        except Exception as e:  # the test asserts on refusals, so they are results too
            results.append(
                {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
            )
    with open(sys.argv[1], "w") as f:
        json.dump(results, f)


main()
