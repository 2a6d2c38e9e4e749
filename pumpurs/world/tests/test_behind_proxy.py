"""The real production set-up: ``pumpurs serve`` behind a TLS-terminating nginx (Debian's) with a
self-signed certificate. Sign-in and a form post work through it, the app sees https (no redirect
loop, no CSRF failure) and each client's own address — never the proxy's, never one the client
made up (issue 17, H3)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from pumpurs.audit.models import AuditEvent
from pumpurs.core.testing import free_port, wait_for_port
from pumpurs.people.models import User

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
OPENSSL = shutil.which("openssl")
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run installs it)"),
    pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed"),
]
PASSWORD = "Droša-parole-2026"
CLIENT = "127.0.0.3"  # the person's address: loopback has all of 127/8; nginx and the app see it


def server_env() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pumpurs.settings", "PUMPURS_DATA_DIR": str(settings.DATA_DIR)}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"  # the on-disk test database (settings_test)
    env.update(PUMPURS_HTTPS="1", PUMPURS_BEHIND_PROXY="1", PUMPURS_ALLOWED_HOSTS="127.0.0.1")
    return env


def nginx_conf(tmp: Path, listen: int, upstream: int, cert: Path, key: Path) -> Path:
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"};
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    server {{
        listen 127.0.0.1:{listen} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


@pytest.fixture
def behind_nginx(transactional_db: None, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``pumpurs serve`` on one port, nginx with TLS on another in front of it; yields both ports
    (nginx's, the app's)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [str(OPENSSL), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    app_port, tls_port = free_port(), free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "pumpurs.cli", "serve", "--addr", f"127.0.0.1:{app_port}"],
        env=server_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert NGINX is not None
    proxy = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(nginx_conf(tmp_path, tls_port, app_port, cert, key))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for_port(app_port, app, "pumpurs serve")
        wait_for_port(tls_port, proxy, "nginx")
        yield tls_port, app_port
    finally:
        for process in (proxy, app):
            process.terminate()
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class Browser:
    """Just enough of a browser over TLS: cookies, Origin on posts, one request per connection,
    from the person's own address."""

    def __init__(self, port: int, cafile: Path) -> None:
        self.port = port
        self.context = ssl.create_default_context(cafile=str(cafile))
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method: str, path: str, form: dict[str, str] | None = None, **headers: str):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, source_address=(CLIENT, 0))
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **headers}
        body = None
        if form is not None:
            body = urlencode(form)
            sent.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response, text


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def test_sign_in_and_a_form_post_through_a_tls_proxy(behind_nginx: tuple[int, int], tmp_path: Path) -> None:
    # Hashed as the server's own settings hash (the test settings' fast hasher is not among them).
    User.objects.create(
        username="ilze.ozola",
        password=PBKDF2PasswordHasher().encode(PASSWORD, "pumpurssalt", iterations=1000),
        first_name="Ilze",
        last_name="Ozola",
    )
    browser = Browser(behind_nginx[0], tmp_path / "cert.pem")

    response, page = browser.request("GET", "/login/")
    assert response.status == 200, (response.status, response.getheader("Location"))  # no redirect loop
    assert response.getheader("Strict-Transport-Security")
    response, page = browser.request(
        "POST", "/login/", {"csrfmiddlewaretoken": csrf_token(page), "username": "ilze.ozola", "password": PASSWORD},
        **{"X-Forwarded-For": "203.0.113.66"},  # made up by the client: never believed
    )  # fmt: skip
    assert response.status == 302, (response.status, page[:3000])  # not a CSRF failure (403)
    home = urlsplit(response.getheader("Location") or "")
    assert home.scheme in {"", "https"}
    assert "sessionid" in browser.cookies

    response, page = browser.request("GET", home.path)
    assert response.status == 200
    assert "Ilze" in page or "ilze.ozola" in page
    response, _ = browser.request("POST", "/logout/", {"csrfmiddlewaretoken": csrf_token(page)})
    assert response.status == 302, response.status

    signed_in = AuditEvent.objects.get(action="auth.login.succeeded")
    logged_out = AuditEvent.objects.get(action="auth.logout")
    assert (signed_in.ip_address, logged_out.ip_address) == (CLIENT, CLIENT)  # the person's, not nginx's


def test_only_the_proxy_is_believed(behind_nginx: tuple[int, int]) -> None:
    """A client reaching the app's port itself, claiming https and another address, is not the
    proxy: waitress drops its headers, so the app sends it to https instead of serving the page."""
    conn = http.client.HTTPConnection("127.0.0.1", behind_nginx[1], source_address=(CLIENT, 0))
    conn.request("GET", "/login/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.66"})
    response = conn.getresponse()
    assert response.status == 301
    assert (response.getheader("Location") or "").startswith("https://")
