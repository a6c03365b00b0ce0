"""nginx in front of the platform for `make bench`, cached and limited exactly as deployed.

The configuration is the multi-node test's (tests/multinode/nginx.conf.template), whose public-lookups
block a test keeps identical to deploy/nginx.conf's, with one upstream (the platform under test)
and one more location: a static file, served by the same nginx, of the same size as a lookup's
answer — what nginx alone can do for a request of that size on this machine.
"""

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "multinode" / "nginx.conf.template"
STATIC_PATH = "/bench-static"


class Nginx:
    def __init__(self, tmp: Path, port: int, upstream_port: int, static_body: bytes):
        self.prefix = tmp / "nginx"
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
            (self.prefix / sub).chmod(0o777)  # nginx's workers run as an unprivileged user
        static = self.prefix / "static.json"
        static.write_bytes(static_body)
        static.chmod(0o644)
        self.prefix.chmod(0o755)
        tmp.chmod(0o755)
        conf = TEMPLATE.read_text()
        conf = conf.replace("{{prefix}}", str(self.prefix)).replace("{{port}}", str(port))
        conf = conf.replace("{{servers}}", f"        server 127.0.0.1:{upstream_port};")
        conf = conf.replace("access_log {{prefix}}/access.log;", "access_log off;")
        conf = conf.replace(f"access_log {self.prefix}/access.log;", "access_log off;")
        static_location = (
            f"        location = {STATIC_PATH} {{\n"
            f"            default_type application/json;\n"
            f"            alias {static};\n"
            f"        }}\n\n"
            "        location / {"
        )
        conf = conf.replace("        location / {", static_location, 1)
        (self.prefix / "nginx.conf").write_text(conf)
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with urllib.request.urlopen(self.url + STATIC_PATH, timeout=2) as r:
                    r.read()
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not start; see {self.prefix}/error.log")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def available() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
