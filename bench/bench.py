"""`make bench`: measure every key page of Ensemble on the "large centre" against the budgets of
architecture.md, with the app served by gunicorn as in production.

1. Database: SQLite file instance/bench.db (recreated unless --reuse), or the PostgreSQL
   database named by BENCH_DATABASE_URL (created beforehand with createdb; --fresh empties it,
   only if its name contains "bench"). Migrated with `flask db upgrade`.
2. Data: `flask seed --size large` (timed), unless the centre is already there (--reuse).
3. Server: gunicorn on a free port, 2 workers (one per core), SECRET_KEY set, BENCH=1 so that
   each response carries X-Query-Count and Server-Timing (app/profiling.py).
4. One staff session (login form with its CSRF token, once: login is rate limited), plus one
   bénévole session for "Mes créneaux". Each page: a few warm-up requests, then N sequential
   requests by one client: wall time on localhost (p50/p95; it includes HTTP and the TCP
   connection, as gunicorn's sync workers close it), the app's own time (Server-Timing), SQL
   statements, and bytes transferred compressed (gzip -6 of the body; "first visit" adds the
   page's CSS, JS and icon, once).
5. Throughput under 8 concurrent clients (threads, each with its own connection) for ~10 s: the
   initiatives list, then the trivial route /sante in the same run, and their ratio.
6. One table, every row against its budget (PASS / OVER), printed and written as markdown to
   bench/last-run.md. Pages that answer 404 (not built yet) show "absent".

Only the standard library, plus the app's own requirements (SQLAlchemy to find ids, gunicorn).
gunicorn is stopped at the end, even on failure.
"""

import argparse
import gzip
import http.client
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CENTRE = "Centre social des Quatre-Vents"
PASSWORD = "ensemble-bench"  # noqa: S105  (the generated accounts' password, app/benchdata.py)
DEFAULT_SQLITE = ROOT / "instance" / "bench.db"
OUT = ROOT / "bench" / "last-run.md"

#: Budgets of architecture.md "Budgets".
P95_ANY_MS = 25
P95_DASHBOARD_MS = 300
P95_SENACS_MS = 2000
MAX_QUERIES = 12
HTML_KB = 20
FIRST_VISIT_KB = 60
REPEAT_KB = 15
MIN_RPS = 150
MIN_RATIO = 0.25


def say(message: str) -> None:
    print(message, flush=True)


# --- database ------------------------------------------------------------------------------------


def database_url(args) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url


def flask(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )


def prepare_database(url: str, args, env: dict) -> dict:
    """Create or reuse the bench database, migrate it, load the large centre. Returns facts."""
    import sqlalchemy as sa

    facts: dict = {"database": _redacted(url)}
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if not args.reuse and path.exists():
            if "bench" not in path.name:
                raise SystemExit(
                    f"{path} n'est pas une base de bench : --reuse, ou un fichier dont le nom contient bench."
                )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    elif args.fresh:
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(f"--fresh refusé : la base « {name} » ne contient pas « bench » dans son nom.")
        engine = sa.create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    say("• Migrations (flask db upgrade)…")
    flask(env, "db", "upgrade", capture=True)
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT id FROM structure WHERE name = :n"), {"n": CENTRE}).scalar()
    engine.dispose()
    if exists and not args.reuse:
        raise SystemExit(
            f"La base contient déjà « {CENTRE} » : relancez avec --reuse pour la mesurer telle quelle"
            + (", ou --fresh pour la vider." if url.startswith("postgresql") else ".")
        )
    if not exists:
        say(f"• Chargement du grand centre (flask seed --size large --scale {args.scale:g})…")
        started = time.perf_counter()
        flask(env, "seed", "--size", "large", "--scale", str(args.scale))
        facts["generation_seconds"] = time.perf_counter() - started
    else:
        say("• Base réutilisée : le grand centre est déjà chargé.")
    return facts


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@")
    return url


def find_targets(url: str) -> dict:
    """Ids of the pages to measure: the busiest initiative, the CA and its last meeting…"""
    import sqlalchemy as sa

    engine = sa.create_engine(sqlalchemy_url(url))
    q = {
        "structure": "SELECT id FROM structure WHERE name = :centre",
        "initiative": (
            "SELECT id FROM initiative WHERE structure_id = :s AND status NOT IN "
            "('draft', 'submitted', 'changes_requested', 'rejected') ORDER BY support_count DESC, id LIMIT 1"
        ),
        "board": "SELECT id FROM instance WHERE structure_id = :s AND instance_type = 'board' LIMIT 1",
        "committee": "SELECT id FROM instance WHERE structure_id = :s AND instance_type = 'users_committee' LIMIT 1",
        "meeting": (
            "SELECT m.id FROM meeting m JOIN instance i ON i.id = m.instance_id WHERE i.structure_id = :s "
            "AND i.instance_type = 'board' AND m.status = 'held' ORDER BY m.starts_at DESC LIMIT 1"
        ),
        "consultation": (
            "SELECT mo.id FROM motion mo JOIN instance i ON i.id = mo.instance_id WHERE i.structure_id = :s "
            "AND mo.is_consultation AND mo.status = 'closed' ORDER BY mo.closes_at DESC LIMIT 1"
        ),
        "mission": (
            "SELECT m.id FROM mission m JOIN shift s ON s.mission_id = m.id WHERE m.structure_id = :s "
            "AND m.status = 'published' GROUP BY m.id ORDER BY count(*) DESC, m.id LIMIT 1"
        ),
        "volunteer": (
            "SELECT u.username FROM signup su JOIN shift sh ON sh.id = su.shift_id JOIN mission m ON m.id = "
            'sh.mission_id JOIN "user" u ON u.id = su.person_id WHERE m.structure_id = :s AND NOT u.is_blocked '
            "AND u.anonymised_at IS NULL GROUP BY u.username ORDER BY count(*) DESC LIMIT 1"
        ),
        "staff": (
            'SELECT u.username FROM "user" u JOIN membership ms ON ms.user_id = u.id WHERE ms.structure_id = :s '
            "AND ms.role = 3 ORDER BY u.id LIMIT 1"
        ),
    }
    found = {}
    with engine.connect() as conn:
        found["structure"] = conn.execute(sa.text(q["structure"]), {"centre": CENTRE}).scalar()
        for key, sql in q.items():
            if key != "structure":
                found[key] = conn.execute(sa.text(sql), {"s": found["structure"]}).scalar()
        found["counts"] = {
            table: conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()  # noqa: S608  (fixed names)
            for table in ("user", "initiative", "support", "meeting", "shift", "signup", "ledger_entry")
        }
    engine.dispose()
    return found


def pages(t: dict, year: int) -> list["Page"]:
    return [
        Page("Accueil", "/"),
        Page("Initiatives (liste)", "/initiatives/"),
        Page("Une initiative (la plus soutenue)", f"/initiatives/{t['initiative']}"),
        Page("Instances (liste)", "/instances/"),
        Page("Une instance (CA)", f"/instances/{t['board']}"),
        Page("Une réunion (dernière du CA)", f"/instances/reunions/{t['meeting']}"),
        Page("Votes (comité d'usagers)", f"/instances/{t['committee']}/votes"),
        Page("Un vote (consultation)", f"/instances/votes/{t['consultation']}"),
        Page("Bénévolat (missions)", "/benevolat/"),
        Page("Une mission", f"/benevolat/missions/{t['mission']}"),
        Page("Mes créneaux (bénévole)", "/benevolat/mes-creneaux", session="volunteer"),
        Page("Heures à valider", "/benevolat/heures/a-valider"),
        Page("Rapports d'heures", "/benevolat/heures/rapports"),
        Page("Agenda", "/agenda/"),
        Page("Notifications", "/notifications/"),
        Page(
            f"Évaluation : tableau de bord {year}",
            f"/evaluation/?{urlencode({'annee': year})}",
            budget=P95_DASHBOARD_MS,
        ),
        Page(
            f"Évaluation : fiche SENACS {year}",
            f"/evaluation/senacs?{urlencode({'annee': year})}",
            budget=P95_SENACS_MS,
        ),
        Page("Évaluation : indicateurs", "/evaluation/indicateurs"),
        Page("Évaluation : rapport", "/evaluation/rapport"),
    ]


# --- server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, worker_class: str, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        "1",
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    handle = log.open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté : voir {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/sante")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn ne répond pas : voir {log}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- client ----------------------------------------------------------------------------------------


class Client:
    """One HTTP/1.1 connection with a cookie jar (reconnects when the server closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response, data

    def login(self, identifier: str, password: str) -> None:
        response, html = self.request("GET", "/compte/connexion")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        if not match:
            raise SystemExit("Pas de jeton CSRF sur la page de connexion.")
        form = urlencode(
            {"csrf_token": unescape(match.group(1).decode()), "identifier": identifier, "password": password}
        ).encode()
        response, _ = self.request(
            "POST", "/compte/connexion", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if response.status != 303:
            raise SystemExit(f"Connexion de {identifier} refusée ({response.status}).")


@dataclass
class Page:
    label: str
    path: str
    session: str = "staff"
    budget: int = P95_ANY_MS
    status: int | None = None
    times: list[float] = field(default_factory=list)
    app_times: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    html_gz: int = 0
    html_raw: int = 0
    first_visit_gz: int = 0

    @property
    def absent(self) -> bool:
        return self.status == 404

    def p(self, q: float, values: list[float] | None = None) -> float:
        values = sorted(values if values is not None else self.times)
        if not values:
            return 0.0
        return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]

    def verdicts(self) -> list[str]:
        if self.absent:
            return []
        if self.status != 200:
            return [f"HTTP {self.status}"]
        over = []
        if self.p(0.95) > self.budget:
            over.append(f"p95 > {self.budget} ms")
        if max(self.queries, default=0) > MAX_QUERIES:
            over.append(f"SQL > {MAX_QUERIES}")
        if self.html_gz > HTML_KB * 1024:
            over.append(f"HTML > {HTML_KB} KB")
        if self.first_visit_gz > FIRST_VISIT_KB * 1024:
            over.append(f"1re visite > {FIRST_VISIT_KB} KB")
        if self.html_gz > REPEAT_KB * 1024:
            over.append(f"visite suivante > {REPEAT_KB} KB")
        return over


def n(value: int) -> str:
    """12 345 (French thousands separator)."""
    return f"{value:,}".replace(",", "\u202f")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


_ASSET = re.compile(rb'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)"')


def measure(page: Page, client: Client, n: int, warmup: int, max_seconds: float, asset_cache: dict) -> None:
    response, body = client.request("GET", page.path)
    page.status = response.status
    if response.status != 200:
        return
    for _ in range(max(warmup - 1, 0)):
        client.request("GET", page.path)
    page.html_raw, page.html_gz = len(body), gz(body)
    assets = 0
    for href in dict.fromkeys(_ASSET.findall(body)):
        url = unescape(href.decode())
        if url not in asset_cache:
            _resp, data = client.request("GET", url)
            asset_cache[url] = gz(data)
        assets += asset_cache[url]
    page.first_visit_gz = page.html_gz + assets
    deadline = time.perf_counter() + max_seconds
    for i in range(n):
        started = time.perf_counter()
        response, body = client.request("GET", page.path)
        page.times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            page.status = response.status
            return
        page.queries.add(int(response.getheader("X-Query-Count", "-1")))
        timing = re.search(r"app;dur=([\d.]+)", response.getheader("Server-Timing", ""))
        if timing:
            page.app_times.append(float(timing.group(1)))
        if i >= 4 and time.perf_counter() > deadline:
            break


def throughput(port: int, cookies: dict, path: str, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second of `clients` threads hammering `path`; returns (req/s, errors)."""
    done = [0] * clients
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(k: int) -> None:
        client = Client(port)
        client.cookies = dict(cookies)
        start.wait()
        while time.perf_counter() < stop_at[0]:
            try:
                response, _ = client.request("GET", path)
                if response.status == 200:
                    done[k] += 1
                else:
                    errors[k] += 1
            except OSError:
                errors[k] += 1
                client.conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return sum(done) / elapsed, sum(errors)


# --- report ----------------------------------------------------------------------------------------


def table(
    pages_: list[Page], rps: float, rps_errors: int, trivial: float, trivial_errors: int, clients: int
) -> list[str]:
    head = "| page | p50 ms | p95 ms (budget) | app p95 ms | SQL | HTML KB gz | 1re visite KB gz | verdict |"
    rows = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for page in pages_:
        if page.absent:
            rows.append(f"| {page.label} | absent | | | | | | absent (404) |")
            continue
        if page.status != 200:
            what = "pas de réponse (timeout ?)" if page.status == 599 else f"HTTP {page.status}"
            rows.append(f"| {page.label} | | | | | | | OVER : {what}, voir instance/bench-gunicorn.log |")
            continue
        over = page.verdicts()
        queries = "/".join(str(q) for q in sorted(page.queries))
        rows.append(
            f"| {page.label} | {page.p(0.5):.1f} | {page.p(0.95):.1f} ({page.budget}) | "
            f"{page.p(0.95, page.app_times):.1f} | {queries} | {page.html_gz / 1024:.1f} | "
            f"{page.first_visit_gz / 1024:.1f} | {'OVER : ' + ', '.join(over) if over else 'PASS'} |"
        )
    ratio = rps / trivial if trivial else 0.0
    rows.append(
        f"| Initiatives, {clients} clients simultanés | {rps:.0f} req/s (≥ {MIN_RPS}) | | | | | | "
        f"{'PASS' if rps >= MIN_RPS and not rps_errors else 'OVER'}{f' ({rps_errors} erreurs)' if rps_errors else ''} |"
    )
    rows.append(
        f"| /sante (route triviale), {clients} clients | {trivial:.0f} req/s | | | | | | "
        f"{'mesure' if not trivial_errors else f'{trivial_errors} erreurs'} |"
    )
    rows.append(
        f"| Initiatives ÷ route triviale | {ratio:.0%} (≥ {MIN_RATIO:.0%}) | | | | | | "
        f"{'PASS' if ratio >= MIN_RATIO else 'OVER'} |"
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="keep the bench database and its data if present")
    parser.add_argument("--fresh", action="store_true", help="PostgreSQL: empty the bench database first")
    parser.add_argument("--requests", type=int, default=40, help="sequential requests per page (40)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up requests per page (3)")
    parser.add_argument("--page-seconds", type=float, default=20, help="at most this long per page (20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the throughput (8)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each throughput run (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2, one per core)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync)")
    parser.add_argument("--scale", type=float, default=1.0, help="data volume × scale (1 = the large centre)")
    parser.add_argument("--out", type=Path, default=OUT, help="markdown report (bench/last-run.md)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a row is OVER")
    args = parser.parse_args()

    url = database_url(args)
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi.py",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_hex(32),
        BENCH="1",
        MAIL_SEND_AFTER_COMMIT="0",
        PYTHONPATH=str(ROOT),
    )
    env.pop("FLASK_DEBUG", None)
    started = datetime.now()
    facts = prepare_database(url, args, {**env, "FLASK_DEBUG": "0"})
    targets = find_targets(url)
    if not targets["structure"]:
        raise SystemExit(f"« {CENTRE} » introuvable dans la base.")
    year = date.today().year - 1
    to_measure = pages(targets, year)
    port = free_port()
    log = ROOT / "instance" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = None
    try:
        say(f"• gunicorn --workers {args.workers} --worker-class {args.worker_class} sur le port {port}…")
        server = start_gunicorn(env, port, args.workers, args.worker_class, log)
        staff = Client(port)
        staff.login(targets["staff"], PASSWORD)
        volunteer = Client(port)
        volunteer.login(targets["volunteer"], PASSWORD)
        sessions = {"staff": staff, "volunteer": volunteer}
        assets: dict[str, int] = {}
        for page in to_measure:
            say(f"  {page.label} : {page.path}")
            try:
                measure(page, sessions[page.session], args.requests, args.warmup, args.page_seconds, assets)
            except (OSError, http.client.HTTPException) as error:  # a worker killed by its timeout…
                say(f"    pas de réponse : {error!r}")
                page.status = 599
                sessions[page.session].conn.close()
        say(f"• Débit : {args.clients} clients pendant {args.seconds:g} s sur /initiatives/ puis /sante…")
        rps, rps_errors = throughput(port, staff.cookies, "/initiatives/", args.clients, args.seconds)
        trivial, trivial_errors = throughput(port, staff.cookies, "/sante", args.clients, args.seconds)
    finally:
        stop(server)

    rows = table(to_measure, rps, rps_errors, trivial, trivial_errors, args.clients)
    counts = targets["counts"]
    header = [
        f"# Bench du {started:%d/%m/%Y %H:%M}",
        "",
        f"- Base : `{facts['database']}` ; données : {n(counts['user'])} comptes, {n(counts['initiative'])} "
        f"initiatives, {n(counts['support'])} soutiens, {n(counts['meeting'])} réunions, {n(counts['shift'])} "
        f"créneaux, {n(counts['signup'])} inscriptions, {n(counts['ledger_entry'])} lignes au journal de participation"
        + (
            f" (générées en {facts['generation_seconds']:.0f} s)."
            if "generation_seconds" in facts
            else " (réutilisées)."
        ),
        f"- Serveur : gunicorn {args.workers} workers {args.worker_class}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}.",
        f"- Mesure : {args.requests} requêtes séquentielles par page après {args.warmup} d'échauffement "
        f"(au plus {args.page_seconds:g} s par page), un client, session de l'équipe (staff) sauf « Mes créneaux » "
        "(le bénévole le plus inscrit). Temps = temps de la requête vu du client sur localhost ; « app » = temps dans "
        "l'application (en-tête Server-Timing) ; SQL = requêtes de la page (en-tête X-Query-Count, toutes les valeurs "
        "vues) ; octets = gzip -6 du HTML, plus CSS, JS et icône pour la première visite.",
        f"- Budgets (architecture.md) : p95 ≤ {P95_ANY_MS} ms par page, tableau de bord ≤ {P95_DASHBOARD_MS} ms, "
        f"fiche SENACS ≤ {P95_SENACS_MS} ms ; ≤ {MAX_QUERIES} requêtes SQL ; HTML ≤ {HTML_KB} KB ; première visite "
        f"≤ {FIRST_VISIT_KB} KB ; visite suivante ≤ {REPEAT_KB} KB ; initiatives ≥ {MIN_RPS} req/s sous {args.clients} "
        f"clients et ≥ {MIN_RATIO:.0%} de la route triviale.",
        "",
    ]
    text = "\n".join(header + rows) + "\n"
    say("")
    say(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    say(f"Écrit dans {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}.")
    over = any(p.verdicts() for p in to_measure) or rps < MIN_RPS or rps < MIN_RATIO * trivial
    return 1 if over and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
