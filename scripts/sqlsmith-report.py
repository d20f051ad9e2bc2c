#!/usr/bin/env python3
"""The report at the end of `make sqlsmith` (scripts/sqlsmith.sh), from its run directory:

- queries run per login, counted from sqlsmith's --verbose progress characters
  ('.' ran, 'e' error, 't' statement timeout, 'S' syntax error, 'C' connection lost);
- errors by SQLSTATE and message class (quoted names and numbers folded), the top ten, from the
  server log (log_line_prefix '%m [%p] %u %e: ', log_error_verbosity = verbose);
- every error raised by sv_platform's own C files (LOCATION names one of src/**/*.c), and every
  error that looks like a bug rather than bad SQL (XX000-XX002, "cache lookup failed", ...);
- server crashes: 'terminated by signal'/'by exception', PANIC, TRAP (assertions), a backend
  exit code above 1, 'reinitializing' (the postmaster restarting after a crash), a postmaster
  whose PID changed or that is gone.  The query of a crashed backend follows
  "Failed process was running:".

Exit status 1 when the server crashed, else 0.
"""
import argparse
import collections
import os
import re
import sys

PREFIX = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*) (\w{5}): ([A-Z]+\d?):  (.*)$')
CRASH = re.compile(r'terminated by signal|terminated by exception|exited with exit code ([2-9]|\d\d+)|'
                   r'^PANIC|TRAP:|all server processes terminated; reinitializing')
SUSPECT = re.compile(r'cache lookup failed|should not happen|invalid memory alloc|corrupt|'
                     r'unexpected (node|type|message)|unrecognized (node|type)', re.I)


def fold(msg):
    """The class of a message: quoted names and numbers replaced."""
    msg = re.sub(r'"[^"]*"', '"…"', msg)
    msg = re.sub(r"'[^']*'", "'…'", msg)
    msg = re.sub(r'\b0x[0-9a-f]+\b|\b\d+(\.\d+)?\b', 'N', msg)
    return msg[:110]


def handle(entry, user, state, pending, finish, crash, logins):
    """One log entry: an ERROR of a sqlsmith login opens a record that its DETAIL, CONTEXT,
    LOCATION and STATEMENT lines fill; a crash line (with its DETAIL, the query) is kept."""
    pid, level, msg = entry
    if level in ('DETAIL', 'HINT', 'CONTEXT', 'LOCATION', 'STATEMENT', 'QUERY'):
        if pid in pending:
            pending[pid][3].setdefault(level, msg)
        if level == 'DETAIL' and handle.crash_pid == pid:
            crash('DETAIL:  ' + msg, pid, detail=True)
        return
    handle.crash_pid = None
    finish(pid)
    if CRASH.search(msg) or level == 'PANIC' or msg.startswith('TRAP:'):
        crash(f'{level}:  {msg}', pid)
        handle.crash_pid = pid
    if level == 'ERROR' and user in logins:
        pending[pid] = [user, state, msg, {}]


handle.crash_pid = None


def progress(path):
    """(ran, errors by kind) from one sqlsmith --verbose log."""
    counts = collections.Counter()
    if os.path.exists(path):
        with open(path, errors='replace') as f:
            for line in f:
                line = line.rstrip('\n')
                if line and re.fullmatch(r'[.etSC]+', line):
                    counts.update(line)
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--src', required=True, help="the C sources (src/)")
    ap.add_argument('--extension', required=True, help="the install script's parts (extension/)")
    ap.add_argument('--log', required=True, help='the server log')
    ap.add_argument('--skip', type=int, default=0, help='lines of the log before the run')
    ap.add_argument('--minutes', default='?')
    ap.add_argument('--top-sql', type=int, default=30, help='how many classes of errors in sv functions to list')
    ap.add_argument('logins', nargs='+')
    a = ap.parse_args()

    ours = set()
    for root, _, files in os.walk(a.src):
        ours.update(f for f in files if f.endswith('.c'))
    sv_functions = set()
    for f in os.listdir(a.extension):
        if f.endswith('.sql'):
            with open(os.path.join(a.extension, f)) as fh:
                sv_functions.update(re.findall(r'(?i)CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+sv\w*\.(\w+)',
                                               fh.read()))

    print(f'== sqlsmith report ({a.minutes} min, run directory {a.dir})')
    print('queries per login (ran = all generated queries sent; ok / error / timeout / syntax / connection lost):')
    total = collections.Counter()
    for login in a.logins:
        c = progress(os.path.join(a.dir, f'sqlsmith-{login}.log'))
        total.update(c)
        n = sum(c.values())
        print(f'  {login:20} {n:8}  {c["."]:7} / {c["e"]:7} / {c["t"]:5} / {c["S"]:4} / {c["C"]:3}')
    ran = sum(total.values())
    print(f'  {"all":20} {ran:8}  {total["."]:7} / {total["e"]:7} / {total["t"]:5} / {total["S"]:4} / {total["C"]:3}')

    logins = set(a.logins)
    errors = collections.Counter()
    by_login = collections.Counter()
    in_ours = collections.Counter()
    in_sql = collections.Counter()
    suspects = collections.Counter()
    examples = {}
    crashes = []
    pending = {}          # pid -> the error being read: [user, state, text, {field: text}]
    last = None           # the last entry, [pid, level, message], for continuation lines

    def finish(pid):
        e = pending.pop(pid, None)
        if e is None:
            return
        user, state, text, fields = e
        text = re.sub(r'^\w{5}: ', '', text.split('\n', 1)[0])
        location = fields.get('LOCATION', '').strip()
        statement = fields.get('STATEMENT', '')
        context = fields.get('CONTEXT', '')
        key = (state, fold(text))
        errors[key] += 1
        by_login[user] += 1
        m = re.search(r', (\S+\.c):\d+$', location)
        if m and m.group(1) in ours:
            in_ours[(state, location.split(',')[0], fold(text))] += 1
        # the function itself: CONTEXT names it without its schema when sv is on the search_path
        m = re.search(r'(?:PL/pgSQL function (?:sv\w*\.)?(\w+)\(|SQL function "(\w+)")', context)
        if m and (m.group(1) or m.group(2)) in sv_functions:
            in_sql[(state, m.group(1) or m.group(2), fold(text))] += 1
        if state.startswith('XX') or SUSPECT.search(text):
            k = (state, fold(text), location)
            suspects[k] += 1
            examples.setdefault(k, (text, statement))

    def crash(msg, pid, detail=False):
        if detail and crashes:
            crashes[-1][1] += '\n' + msg
        else:
            crashes.append([pid, msg])

    # the server log of the run: each prefixed line; continuation lines belong to the entry before
    with open(a.log, errors='replace') as f:
        for _ in range(a.skip):
            if not f.readline():
                break
        entries = []
        for line in f:
            line = line.rstrip('\n')
            m = PREFIX.match(line)
            if not m:
                if last is not None:
                    last[2] += '\n' + line
                continue
            pid, user, state, level, msg = m.groups()
            last = [pid, level, msg]
            entries.append((last, user, state))
            # entries are handled one behind, once their continuation lines are in
            if len(entries) > 1:
                handle(*entries.pop(0), pending, finish, crash, logins)
        for e in entries:
            handle(*e, pending, finish, crash, logins)
    for pid in list(pending):
        finish(pid)

    print(f'\nerrors logged by the server for these logins: {sum(errors.values())} '
          f'({", ".join(f"{k} {v}" for k, v in by_login.most_common())}), {len(errors)} classes')
    print('top ten error classes (count, SQLSTATE, message class):')
    for (state, text), n in errors.most_common(10):
        print(f'  {n:7}  {state}  {text}')
    states = collections.Counter()
    for (state, _), n in errors.items():
        states[state] += n
    print('by SQLSTATE: ' + ', '.join(f'{s} {n}' for s, n in states.most_common()))

    print(f'\nerrors raised in sv_platform\'s C code (src/): {sum(in_ours.values())}')
    for (state, func, text), n in in_ours.most_common():
        print(f'  {n:7}  {state}  {func}: {text}')

    print(f'\nerrors raised inside sv_platform\'s SQL functions (CONTEXT names an sv function), top {a.top_sql} '
          f'of {len(in_sql)} classes, {sum(in_sql.values())} errors:')
    for (state, func, text), n in in_sql.most_common(a.top_sql):
        print(f'  {n:7}  {state}  {func}: {text}')

    print(f'\nerrors that may be bugs (XX***, "cache lookup failed", ...): {sum(suspects.values())}')
    for key, n in suspects.most_common(40):
        state, text, location = key
        print(f'  {n:7}  {state}  {text}  [{location}]')
        example, statement = examples[key]
        print(f'           e.g. {example[:200]}')
        if statement:
            print('           STATEMENT: ' + ' '.join(statement.split())[:400])

    start = open(os.path.join(a.dir, 'postmaster.pid.start')).read().strip()
    end_path = os.path.join(a.dir, 'postmaster.pid.end')
    end = open(end_path).read().strip() if os.path.exists(end_path) else ''
    print(f'\nserver crashes: {len(crashes)} log lines; postmaster PID {start} at the start, '
          f'{end or "none (gone)"} at the end')
    for pid, c in crashes:
        print(f'  [{pid}] ' + c.replace('\n', '\n  ')[:4000])
    crashed = bool(crashes) or start != end
    print('RESULT: ' + ('SERVER CRASHED' if crashed else f'0 crashes in {ran} queries'))
    return 1 if crashed else 0


if __name__ == '__main__':
    sys.exit(main())
