"""A real WordPress (Debian's package) with its own MariaDB, served by ``php -S`` on 127.0.0.1.

Everything that changes lives under the ``workdir`` given to :func:`start_wordpress`: the MariaDB data
directory, socket and logs, and WordPress's ``wp-content`` (plugins, themes, uploads). The one file
outside it is the host config that Debian's ``/usr/share/wordpress/wp-config.php`` insists on reading
from ``/etc/wordpress``; :meth:`WordPressSite.stop` removes it, and the next start removes any left
by a test run that was killed.

Debian's wp-config.php picks ``/etc/wordpress/config-<host>.php`` from the request's ``Host`` header
(port stripped) unless ``$_SERVER['WORDPRESS_CONFIG']`` names another file. Going by host would make
every site on 127.0.0.1 share one file, and overwrite a user's own ``config-127.0.0.1.php``. So each
site writes ``config-hashmigrate-test-<pid>-<token>.php`` and names it in ``WORDPRESS_CONFIG``: from
the ``php -S`` router script for web requests (the built-in server does not copy the environment into
``$_SERVER``) and from the preamble of every CLI script.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO

WORDPRESS_DIR = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
CONFIG_PREFIX = "config-hashmigrate-test-"
# Debian's theme packages install here; the site's own wp-content links to them.
THEME_DIRS = (WORDPRESS_DIR / "wp-content" / "themes", Path("/var/lib/wordpress/wp-content/themes"))
# mariadbd and the install tool are in sbin, which a non-root PATH often lacks.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
# Linux caps AF_UNIX paths at 108 bytes; a deep pytest tmp dir can exceed that.
MAX_SOCKET_PATH = 100
LOG_TAIL_LINES = 40
RESULT_MARKER = "HASHMIGRATE-RESULT "
WORKDIR_COMMENT = "// workdir: "
# Quoted in errors. mariadb-install-db's log is left out unless it failed: it is boilerplate.
SERVER_LOGS = ("mariadb.err", "mariadb.out", "php-server.log", "php-errors.log", "wp-debug.log")


class WordPressError(RuntimeError):
    """WordPress or MariaDB did not come up, or a PHP script failed; the message quotes their logs."""


def _which(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def _first_tool(*names: str) -> str | None:
    for name in names:
        found = _which(name)
        if found:
            return found
    return None


@cache
def wordpress_available() -> str | None:
    """Why a real WordPress cannot run here, or None when it can (so tests can skip with the reason)."""
    if not sys.platform.startswith("linux"):
        return "a real WordPress needs Debian's wordpress package (Linux only)"
    hint = "install Debian's packages with .ci/install-wordpress.sh"
    if not (WORDPRESS_DIR / "wp-load.php").is_file() or not (WORDPRESS_DIR / "wp-config.php").is_file():
        return f"Debian's wordpress package is not installed ({WORDPRESS_DIR}); {hint}"
    tools = {
        "php (php-cli)": _first_tool("php"),
        "mariadbd (mariadb-server)": _first_tool("mariadbd", "mysqld"),
        "mariadb-install-db (mariadb-server)": _first_tool("mariadb-install-db", "mysql_install_db"),
        "mariadb (mariadb-client)": _first_tool("mariadb", "mysql"),
    }
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        return f"not found: {', '.join(missing)}; {hint}"
    if not (CONFIG_DIR.is_dir() and os.access(CONFIG_DIR, os.W_OK)):
        return f"cannot write {CONFIG_DIR}, where Debian's WordPress reads its config (run as root)"
    php = tools["php (php-cli)"]
    assert php is not None
    try:
        probe = subprocess.run(
            [php, "-r", 'echo extension_loaded("mysqli") ? "yes" : "no";'],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"php does not run: {exc}"
    if probe.stdout.strip() != "yes":
        return f"php has no mysqli extension (php-mysql); {hint}"
    return None


@dataclass
class WordPressSite:
    """A running WordPress. Authenticate REST calls with ``auth`` (HTTP Basic, application password)."""

    url: str
    user: str
    app_password: str
    db_name: str
    password: str
    user_id: int
    version: str
    workdir: Path
    content_dir: Path
    uploads_dir: Path
    config_file: Path
    db_port: int
    db_socket: Path
    config_name: str
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    _remove_on_stop: list[Path] = field(default_factory=list, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.app_password)

    def rest(self, path: str) -> str:
        """URL of a REST route, e.g. ``rest("/wp/v2/posts?status=draft")``.

        ``php -S`` has no rewrite rules, so ``/wp-json/...`` does not route; WordPress accepts the
        route as the ``rest_route`` query argument instead. A query string in ``path`` is carried over.
        """
        route, sep, query = path.partition("?")
        if not route.startswith("/"):
            route = "/" + route
        return f"{self.url}/?rest_route={route}" + (f"&{query}" if sep else "")

    def run_php(self, code: str, timeout: float = 60) -> str:
        """Run PHP statements (no ``<?php`` tag) inside this WordPress; returns what they print."""
        script = (
            _cli_preamble(self.config_name, self.url)
            + f"require {_php_str(str(WORDPRESS_DIR))} . '/wp-load.php';\n"
        )
        return _run_php_script(script + code, self.workdir, timeout)

    def log_tails(self) -> str:
        return _log_tails(self.workdir)

    def stop(self) -> None:
        """Stop php and MariaDB and remove the config file and the database files. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        # php first, so no request is cut off by the database going away.
        for proc in self._processes:
            _terminate(proc)
        self.config_file.unlink(missing_ok=True)
        for path in self._remove_on_stop:
            shutil.rmtree(path, ignore_errors=True)


def start_wordpress(workdir: Path, *, timeout: float = 120) -> WordPressSite:
    """Start MariaDB, install WordPress into it and serve it; ``timeout`` bounds each step."""
    reason = wordpress_available()
    if reason is not None:
        raise WordPressError(reason)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _remove_stale_configs()

    config_name = f"{CONFIG_PREFIX.removeprefix('config-')}{os.getpid()}-{secrets.token_hex(4)}"
    site = WordPressSite(
        url="",
        user="admin",
        app_password="",
        db_name="hashmigrate",
        password=secrets.token_urlsafe(16),
        user_id=0,
        version="",
        workdir=workdir,
        content_dir=workdir / "wp-content",
        uploads_dir=workdir / "wp-content" / "uploads",
        config_file=CONFIG_DIR / f"config-{config_name}.php",
        db_port=0,
        db_socket=workdir / "mysqld.sock",
        config_name=config_name,
    )
    # Registered before anything starts, so even a half-started site is cleaned up.
    atexit.register(site.stop)
    try:
        _start(site, timeout)
    except BaseException:
        site.stop()
        raise
    return site


def _start(site: WordPressSite, timeout: float) -> None:
    workdir = site.workdir
    if len(str(site.db_socket)) > MAX_SOCKET_PATH:
        short = Path(tempfile.mkdtemp(prefix="hm-wp-"))
        site._remove_on_stop.append(short)
        site.db_socket = short / "mysqld.sock"
    _make_content_dir(site.content_dir)

    db_password = secrets.token_urlsafe(16)
    _start_mariadb(site, timeout)
    _mariadb_sql(
        site,
        f"CREATE DATABASE `{site.db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
        f"CREATE USER '{site.db_name}'@'127.0.0.1' IDENTIFIED BY '{db_password}';\n"
        f"GRANT ALL PRIVILEGES ON `{site.db_name}`.* TO '{site.db_name}'@'127.0.0.1';\n",
        timeout,
    )

    router = workdir / "router.php"
    router.write_text(_router_php(site.config_name, site.content_dir), encoding="utf-8")
    error: str | None = "not started"
    for attempt in range(3):
        # Another process can take the free port before php binds it; WP_HOME names the port, so
        # a retry rewrites the config. The stored siteurl/home options do not matter: the
        # constants override them.
        port = _free_port()
        site.url = f"http://127.0.0.1:{port}"
        _write_config(site, db_password)
        if attempt == 0:
            site.user_id, site.app_password, site.version = _install(site, timeout)
        php_server = _start_php_server(site, port, router)
        site._processes.insert(0, php_server)
        error = _wait_for_http(site, php_server, timeout)
        if error is None:
            return
        site._processes.remove(php_server)
        _terminate(php_server)
        if "Address already in use" not in _tail(workdir / "php-server.log", 5):
            break
    raise WordPressError(f"WordPress did not answer at {site.url}: {error}\n{_log_tails(workdir)}")


def _start_php_server(site: WordPressSite, port: int, router: Path) -> subprocess.Popen[bytes]:
    php = _first_tool("php")
    assert php is not None
    workdir = site.workdir
    return _spawn(
        [
            php,
            # Raw-body media uploads count against post_max_size (8M in Debian's php.ini).
            "-d",
            "post_max_size=64M",
            "-d",
            "upload_max_filesize=64M",
            "-d",
            "memory_limit=512M",
            # Errors before WordPress sets its own log (router, wp-config) would vanish otherwise.
            "-d",
            "log_errors=On",
            "-d",
            f"error_log={workdir / 'php-errors.log'}",
            "-S",
            f"127.0.0.1:{port}",
            "-t",
            str(WORDPRESS_DIR),
            str(router),
        ],
        workdir / "php-server.log",
        # More than one worker, so a request that makes WordPress call itself (the importer
        # fetching an attachment from this site, cron, site health) does not deadlock.
        env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
    )


def _make_content_dir(content: Path) -> None:
    for sub in ("plugins", "themes", "uploads", "upgrade", "languages"):
        (content / sub).mkdir(parents=True, exist_ok=True)
    for themes in THEME_DIRS:
        if not themes.is_dir():
            continue
        for theme in themes.iterdir():
            link = content / "themes" / theme.name
            if theme.is_dir() and not link.exists():
                link.symlink_to(theme.resolve(), target_is_directory=True)


def _start_mariadb(site: WordPressSite, timeout: float) -> None:
    install_db = _first_tool("mariadb-install-db", "mysql_install_db")
    mariadbd = _first_tool("mariadbd", "mysqld")
    assert install_db is not None and mariadbd is not None
    workdir = site.workdir
    datadir = workdir / "mysql-data"
    tmpdir = workdir / "mysql-tmp"
    tmpdir.mkdir(exist_ok=True)
    site._remove_on_stop.extend([datadir, tmpdir])
    user_args = ["--user=root"] if os.geteuid() == 0 else []
    # --no-defaults everywhere: /etc/mysql/my.cnf points at the system server's datadir and socket.
    # The small redo log keeps the data directory at ~20 MB instead of ~110 MB.
    innodb_args = ["--innodb-log-file-size=4M"]
    _run_checked(
        [
            install_db,
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            *user_args,
            *innodb_args,
        ],
        workdir / "mariadb-install-db.log",
        timeout,
        site,
    )
    for _attempt in range(3):
        site.db_port = _free_port()
        proc = _spawn(
            [
                mariadbd,
                "--no-defaults",
                f"--datadir={datadir}",
                f"--socket={site.db_socket}",
                f"--port={site.db_port}",
                "--bind-address=127.0.0.1",
                f"--pid-file={workdir / 'mysqld.pid'}",
                f"--log-error={workdir / 'mariadb.err'}",
                f"--tmpdir={tmpdir}",
                "--skip-name-resolve",
                # Debian's server config defaults to utf8mb4; --no-defaults would leave latin1.
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=64M",
                # A throwaway database does not need a flush per commit.
                "--innodb-flush-log-at-trx-commit=0",
                *innodb_args,
                *user_args,
            ],
            workdir / "mariadb.out",
        )
        site._processes.append(proc)
        if _wait_for_mariadb(site, proc, timeout):
            return
        site._processes.remove(proc)
        _terminate(proc)
        if "Address already in use" not in _tail(workdir / "mariadb.err"):
            break
    raise WordPressError("MariaDB did not start\n" + _log_tails(workdir))


def _wait_for_mariadb(site: WordPressSite, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if site.db_socket.exists():
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", site.db_port), 1):
                return True
        time.sleep(0.05)
    return False


def _mariadb_sql(site: WordPressSite, sql: str, timeout: float) -> None:
    client = _first_tool("mariadb", "mysql")
    assert client is not None
    try:
        done = subprocess.run(
            [client, "--no-defaults", f"--socket={site.db_socket}", "--user=root", "--batch"],
            input=sql,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WordPressError(f"MariaDB did not answer in {timeout} s\n{_log_tails(site.workdir)}") from exc
    if done.returncode != 0:
        raise WordPressError(f"MariaDB set-up failed: {done.stderr.strip()}\n{_log_tails(site.workdir)}")


def _write_config(site: WordPressSite, db_password: str) -> None:
    constants: dict[str, str | bool] = {
        "DB_NAME": site.db_name,
        "DB_USER": site.db_name,
        "DB_PASSWORD": db_password,
        "DB_HOST": f"127.0.0.1:{site.db_port}",
        "DB_CHARSET": "utf8mb4",
        "DB_COLLATE": "",
        # Must match the php -S address, port included, or WordPress redirects to its stored URL.
        "WP_HOME": site.url,
        "WP_SITEURL": site.url,
        "WP_CONTENT_DIR": str(site.content_dir),
        "WP_CONTENT_URL": f"{site.url}/wp-content",
        # Application passwords are only offered over HTTPS or when the environment is local.
        "WP_ENVIRONMENT_TYPE": "local",
        # Tests must never reach out; WordPress still lets the site request its own URLs.
        "WP_HTTP_BLOCK_EXTERNAL": True,
        # Cron would run on random requests (publishing 'future' posts behind a test's back).
        "DISABLE_WP_CRON": True,
        "AUTOMATIC_UPDATER_DISABLED": True,
        "FS_METHOD": "direct",
        # Notices go to a log that start-up errors quote, never into a JSON response.
        "WP_DEBUG": True,
        "WP_DEBUG_DISPLAY": False,
        "WP_DEBUG_LOG": str(site.workdir / "wp-debug.log"),
    }
    lines = [
        "<?php",
        "// Written by hashmigrate's tests/support/wordpress.py; removed when the site stops.",
        f"{WORKDIR_COMMENT}{site.workdir}",
    ]
    for name, value in constants.items():
        literal = ("true" if value else "false") if isinstance(value, bool) else _php_str(value)
        lines.append(f"define({_php_str(name)}, {literal});")
    fd = os.open(site.config_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def _install(site: WordPressSite, timeout: float) -> tuple[int, str, str]:
    """Install WordPress; returns the admin's user id, a new application password and the version."""
    # wp_install() through the CLI rather than POSTing install.php: no web server is needed yet, and
    # no loopback HTTP (its pretty-permalink probe) can stall a single-threaded php -S.
    script = (
        "define('WP_INSTALLING', true);\n"
        + _cli_preamble(site.config_name, site.url)
        + f"""
// Declared before upgrade.php, which only defines it when missing: there is no mail here.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {{}}
require {_php_str(str(WORDPRESS_DIR))} . '/wp-load.php';
add_filter('pre_http_request', static fn() => new WP_Error('hashmigrate_setup', 'no HTTP during set-up'));
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$installed = wp_install('hashmigrate test', {_php_str(site.user)}, 'admin@example.com', false, '',
    {_php_str(site.password)});
$user_id = (int) $installed['user_id'];
update_option('permalink_structure', '');
if (!user_can($user_id, 'unfiltered_html')) {{
    fwrite(STDERR, "the admin user lacks unfiltered_html\\n");
    exit(1);
}}
if (!wp_is_application_passwords_available_for_user(get_user_by('id', $user_id))) {{
    fwrite(STDERR, "application passwords are not available\\n");
    exit(1);
}}
$created = WP_Application_Passwords::create_new_application_password(
    $user_id,
    ['name' => 'hashmigrate tests']
);
if (is_wp_error($created)) {{
    fwrite(STDERR, $created->get_error_message() . "\\n");
    exit(1);
}}
echo "\\n{RESULT_MARKER}", json_encode([
    'user_id' => $user_id,
    'app_password' => $created[0],
    'version' => get_bloginfo('version'),
]), "\\n";
"""
    )
    output = _run_php_script(script, site.workdir, timeout)
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_MARKER):
            result = json.loads(line.removeprefix(RESULT_MARKER))
            return int(result["user_id"]), str(result["app_password"]), str(result["version"])
    raise WordPressError(f"the WordPress installer printed no result:\n{output[-2000:]}")


def _run_php_script(script: str, workdir: Path, timeout: float) -> str:
    php = _first_tool("php")
    assert php is not None
    try:
        done = subprocess.run(
            [php, "-d", "display_errors=stderr", "-d", "memory_limit=512M"],
            input="<?php\n" + script,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=workdir,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WordPressError(f"a PHP script ran over {timeout} s\n{_log_tails(workdir)}") from exc
    if done.returncode != 0:
        raise WordPressError(
            f"PHP script failed (exit {done.returncode})\nstdout: {done.stdout[-2000:]}\n"
            f"stderr: {done.stderr[-2000:]}\n{_log_tails(workdir)}"
        )
    return done.stdout


def _cli_preamble(config_name: str, url: str) -> str:
    # Debian's wp-config.php reads the host from $_SERVER, and WordPress builds URLs from it.
    hostport = url.removeprefix("http://")
    host, _, port = hostport.partition(":")
    return (
        f"$_SERVER['WORDPRESS_CONFIG'] = {_php_str(config_name)};\n"
        f"$_SERVER['HTTP_HOST'] = {_php_str(hostport)};\n"
        f"$_SERVER['SERVER_NAME'] = {_php_str(host)};\n"
        f"$_SERVER['SERVER_PORT'] = {_php_str(port)};\n"
        "$_SERVER['REQUEST_URI'] = '/';\n"
        "$_SERVER['REQUEST_METHOD'] = 'GET';\n"
    )


def _router_php(config_name: str, content_dir: Path) -> str:
    # The docroot's own wp-content is Debian's near-empty one; this site's lives under the workdir.
    return f"""<?php
// php -S router written by hashmigrate's tests/support/wordpress.py.
$_SERVER['WORDPRESS_CONFIG'] = {_php_str(config_name)};
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (!str_starts_with($path, '/wp-content/')) {{
    return false;
}}
$relative = substr($path, strlen('/wp-content/'));
$file = {_php_str(str(content_dir))} . '/' . $relative;
if (in_array('..', explode('/', $relative), true) || !is_file($file) || str_ends_with($file, '.php')) {{
    http_response_code(404);
    return true;
}}
$types = [
    'css' => 'text/css',
    'js' => 'text/javascript',
    'svg' => 'image/svg+xml',
    'json' => 'application/json',
];
$ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
header('Content-Type: ' . ($types[$ext] ?? (mime_content_type($file) ?: 'application/octet-stream')));
header('Content-Length: ' . filesize($file));
readfile($file);
return true;
"""


def _wait_for_http(site: WordPressSite, server: subprocess.Popen[bytes], timeout: float) -> str | None:
    """Wait until the REST index answers; returns None then, or what went wrong last."""
    deadline = time.monotonic() + timeout
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return f"php -S exited with {server.returncode}"
        try:
            with urllib.request.urlopen(site.rest("/"), timeout=5) as response:
                raw = response.read()
            if _is_rest_index(raw):
                return None
            last_error = f"HTTP 200 but not the REST index: {raw[:300]!r}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last_error = str(exc)
        time.sleep(0.1)
    return last_error


def _is_rest_index(raw: bytes) -> bool:
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    return isinstance(body, dict) and "routes" in body


def _remove_stale_configs() -> None:
    """Clean up after test runs that were killed before they could stop their site.

    Their MariaDB and php -S master die with them (PDEATHSIG), but php -S's forked workers do not.
    """
    for path in CONFIG_DIR.glob(f"{CONFIG_PREFIX}*.php"):
        pid_text = path.name.removeprefix(CONFIG_PREFIX).split("-", 1)[0]
        if not pid_text.isdigit() or _process_exists(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith(WORKDIR_COMMENT):
                    _kill_leftovers(Path(line.removeprefix(WORKDIR_COMMENT)))
        path.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed run whose parent never reaps it lingers as a zombie; it is gone all the same.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _kill_leftovers(workdir: Path) -> None:
    # Matched by an exact argument naming that run's own files, so nothing else can match.
    marks = {str(workdir / "router.php").encode(), f"--datadir={workdir / 'mysql-data'}".encode()}
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            args = set((proc_dir / "cmdline").read_bytes().split(b"\0"))
        except OSError:
            continue
        if args & marks:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(proc_dir.name), signal.SIGTERM)


def _die_with_parent() -> None:
    # If pytest is killed outright, its servers must not live on holding ports and files.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _spawn(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=log.parent,
            # Own session, so a Ctrl-C meant for pytest does not kill them before teardown runs.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def _run_checked(args: list[str], log: Path, timeout: float, site: WordPressSite) -> None:
    with log.open("ab") as out:
        try:
            done = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise WordPressError(
                f"{args[0]} ran over {timeout} s\n{_log_tails(site.workdir, (log.name,))}"
            ) from exc
    if done.returncode != 0:
        raise WordPressError(
            f"{args[0]} failed (exit {done.returncode})\n{_log_tails(site.workdir, (log.name,))}"
        )


def _terminate(proc: subprocess.Popen[bytes], grace: float = 20) -> None:
    if proc.poll() is not None:
        return
    # The whole group: php -S with workers forks children.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _php_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with path.open("rb") as handle:
            return _last_lines(handle, lines)
    except OSError:
        return ""


def _last_lines(handle: IO[bytes], lines: int) -> str:
    handle.seek(0, os.SEEK_END)
    handle.seek(max(0, handle.tell() - 64 * 1024))
    return "\n".join(handle.read().decode("utf-8", "replace").splitlines()[-lines:])


def _log_tails(workdir: Path, names: tuple[str, ...] = SERVER_LOGS) -> str:
    parts = []
    for name in names:
        text = _tail(workdir / name)
        if text:
            parts.append(f"--- {workdir / name} (last {LOG_TAIL_LINES} lines) ---\n{text}")
    return "\n".join(parts) if parts else f"(no logs in {workdir})"
