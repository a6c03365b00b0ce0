"""The nginx in front (deploy/nginx.conf): the multi-node test's nginx caches and limits exactly as
the deployed one does, and the configuration is one nginx accepts."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx.conf"
TEMPLATE = ROOT / "tests" / "multinode" / "nginx.conf.template"
BLOCK = re.compile(r"# BEGIN public lookups.*?# END public lookups", re.S)


def public_lookups(path: Path) -> list[str]:
    found = BLOCK.search(path.read_text())
    assert found, f"{path} has no public-lookups block"
    return [line.strip() for line in found.group(0).splitlines()]


def test_the_multinode_nginx_caches_and_limits_public_lookups_as_deployed():
    assert public_lookups(TEMPLATE) == public_lookups(DEPLOY)
    deployed = DEPLOY.read_text()
    for directive in ("proxy_cache_path", "limit_req_zone", "geo $minsheng_lookup_client"):
        assert directive in deployed and directive in TEMPLATE.read_text()


def test_only_the_public_lookups_are_cached_and_never_with_a_session_or_token():
    lines = public_lookups(DEPLOY)
    location = next(line for line in lines if line.startswith("location"))
    pattern = re.compile(location.split()[2])
    for path in (
        "/cases/20261127-0012",
        "/api/v1/cases/20261127-0012",
        "/open311/v2/requests/20261127-0012.xml",
    ):
        assert pattern.fullmatch(path.lstrip("/")) or pattern.fullmatch(path)
    for path in ("/cases/lookup", "/api/v1/cases", "/open311/v2/requests.json", "/staff/", "/desk/"):
        assert not (pattern.fullmatch(path) or pattern.fullmatch(path.lstrip("/")))
    bypass = next(line for line in lines if line.startswith("proxy_cache_bypass"))
    no_cache = next(line for line in lines if line.startswith("proxy_no_cache"))
    for variable in (
        "$cookie_sessionid",
        "$cookie_messages",
        "$cookie_minsheng_primary",
        "$http_authorization",
    ):
        assert variable in bypass and variable in no_cache


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="no nginx")
def test_nginx_accepts_the_multinode_configuration(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
        (tmp_path / sub).mkdir()
    conf = TEMPLATE.read_text().replace("{{prefix}}", str(tmp_path)).replace("{{port}}", "8599")
    conf = conf.replace("{{servers}}", "        server 127.0.0.1:8598;")
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
