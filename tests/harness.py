"""What the scripts that drive a running platform from outside share: `make bench` (bench/run.py),
the fault test (tests/faults/run.py) and the multi-node test (tests/multinode/run.py)."""

import io
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid


def production_env(name: str) -> dict[str, str]:
    """The settings an app server under test runs with: production (DEBUG off, a fresh secret key),
    on loopback over plain HTTP, quiet logs, and the rate limits on — their cost is part of what is
    measured — but out of reach of the one client address all the load comes from."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": f"{name}-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_LOOKUP": "100000000/m",
        "RATE_LIMIT_SUBMIT": "100000000/m",
        "RATE_LIMIT_LOGIN": "10000/m",
    }


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type; `files` are (field, filename, JPEG bytes)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back as HTTPError 3xx, so their cookies and Location can be read."""

    def redirect_request(self, *args, **kwargs):
        return None


def staff_cookie(base_url: str, username: str, *, https: bool = False) -> str:
    """Sign a demo account in on /staff/login and return its cookies as a Cookie header's value.

    The cookies are sent back by hand (production cookies are Secure and these scripts speak plain
    HTTP). With `https`, the requests say they came over HTTPS, as nginx would in front of an app
    server with production settings, and carry the Referer Django's CSRF check then asks for.
    """
    login = base_url + "/staff/login"
    proxy = {"X-Forwarded-Proto": "https"} if https else {}
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(urllib.request.Request(login, headers=proxy)) as r:
        page = r.read().decode()
        cookies = dict(c.split(";")[0].split("=", 1) for c in r.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "minsheng-demo", "csrfmiddlewaretoken": token}
    ).encode()
    headers = {**proxy, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if https:
        headers["Referer"] = login.replace("http://", "https://", 1)
    try:
        opener.open(urllib.request.Request(login, data=data, headers=headers))
        raise RuntimeError(f"signing in as {username} did not redirect")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
        for c in exc.headers.get_all("Set-Cookie") or []:
            k, v = c.split(";")[0].split("=", 1)
            cookies[k] = v
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
