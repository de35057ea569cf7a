"""A throwaway Dovecot IMAP server for tests: its own directory, port, and one passwd-file user.

Debian's `dovecot-imapd` (installed by `.ci/run`) runs in the foreground with a configuration
written to a temporary directory: plain-text IMAP on 127.0.0.1 (no TLS: a loopback test), mail in
Maildir under the same directory, owned by an unprivileged user when we run as root. `deliver`
puts a message in the INBOX the way a mail server would (IMAP APPEND), so the code under test reads
it back over real IMAP, IDLE included.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "relance", "imap-test-password"


def dovecot_binary() -> str | None:
    """The dovecot binary, or None when it is not installed."""
    return shutil.which("dovecot") or (DOVECOT if os.path.exists(DOVECOT) else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(root: Path, port: int, uid: int, gid: int, login_user: str, internal_user: str) -> str:
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


class Dovecot:
    """`with Dovecot() as server:` — an IMAP server at `server.host:server.port`, user `USER`/`PASSWORD`."""

    def __init__(self) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise FileNotFoundError("dovecot is not installed (apt-get install -y dovecot-imapd)")
        self.binary = binary
        self.host, self.port = "127.0.0.1", _free_port()
        self.user, self.password = USER, PASSWORD
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Dovecot:
        self._dir = tempfile.TemporaryDirectory(prefix="relance-dovecot-")
        root = Path(self._dir.name)
        os.chmod(root, 0o755)
        if os.getuid() == 0:  # mail must not belong to root; the login processes run unprivileged
            owner = pwd.getpwnam("nobody")
            uid, gid, login, internal = owner.pw_uid, owner.pw_gid, "dovenull", "dovecot"
        else:
            me = pwd.getpwuid(os.getuid())
            uid, gid, login, internal = me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
        for sub in ("mail", "home"):
            (root / sub).mkdir()
            os.chown(root / sub, uid, gid)
        (root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n", encoding="utf-8")
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, self.port, uid, gid, login, internal), encoding="utf-8")
        self._process = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._wait_ready(root)
        return self

    def _wait_ready(self, root: Path, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"dovecot exited: {err} {log}")
            try:
                with imaplib.IMAP4(self.host, self.port, timeout=2) as client:
                    client.login(self.user, self.password)
                    client.logout()
                return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.05)
        raise RuntimeError("dovecot did not answer in time")

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in `folder`, unseen, as delivery by a mail server would."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as client:
            client.login(self.user, self.password)
            status, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            if status != "OK":
                raise RuntimeError(f"IMAP APPEND failed: {data!r}")
            client.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        """How many messages of `folder` are still unseen."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as client:
            client.login(self.user, self.password)
            client.select(folder)
            _, data = client.search(None, "UNSEEN")
            client.logout()
        return len(data[0].split()) if data and data[0] else 0

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr:
                self._process.stderr.close()
        if self._dir is not None:
            self._dir.cleanup()
