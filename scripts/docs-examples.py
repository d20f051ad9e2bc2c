#!/usr/bin/env python3
"""Run the SQL examples of docs/*.md and docs/reference/*.md and compare them with the output
the documents show (t/012_docs.pl runs this in `make test`; Python 3 standard library only).

Conventions in a document (README.md, "Tests", points here):

* Every fenced ```sql block is run, in document order, in one psql session per document, on a
  fresh database of its own with sv_platform created: as the cluster superuser, TimeZone UTC,
  psql quiet (no command tags such as "COPY 3"), \\pset footer off, VERBOSITY verbose (so that
  SQLSTATEs can be checked). Fences indented in a list item count too.
* A fenced block right after a ```sql block (only blank lines between) whose info string is
  empty or `text` is the output the example shows. It is compared with what psql prints,
  ignoring the width of table columns (cells are compared trimmed), blank lines, "(N rows)"
  footers, the SQLSTATE psql adds to ERROR lines and psql's LOCATION lines. A cell `…` (or
  `...`) matches any value (timestamps, ids), a cell ending in `…` any value that begins with
  the rest; a line that is only `…` (or `...`) matches any number of lines. Examples whose
  values depend on the day take them from psql variables (e.g. :'today', set by \\gset in a
  hidden block) or show them as `…`.
* `-- error: 22023` on a statement of a block marks an intended error: the block must raise
  exactly the SQLSTATEs so marked, in order. A block without the marker must raise none.
* A hidden block, run in document order but not shown when the page is rendered, is an HTML
  comment whose first line is `<!-- docs-test` (the rest of that line is a free label, e.g.
  `setup`); its following lines up to `-->` are SQL: roles, staff mappings, data, SET ROLE
  and psql variables (\\gset) the examples assume. It must not raise errors unless marked.
  The roles a page creates are dropped with the page's database after the page; a page that
  changes the server's settings (ALTER SYSTEM, e.g. sv.push_allowed_hosts) has them reset.
* `<!-- docs-test: skip REASON -->` on the line(s) before a ```sql block leaves that block out;
  `--exclude PAGE=REASON` (the list in t/012_docs.pl) leaves a whole page out. Every skip and
  exclusion is printed with its reason, so the gap stays visible.

Output: TAP-like lines, "ok - FILE:LINE" or "not ok - FILE:LINE" followed by "#   " lines, and
"# skip/exclude" notes; the exit status is 1 if any block failed. Connection: the usual PG*
environment variables; --psql names psql. Alone, on a scratch cluster:
    PGHOST=... PGPORT=... scripts/docs-examples.py docs/*.md docs/reference/*.md
"""
import argparse
import os
import re
import subprocess
import sys

FENCE = re.compile(r'^(\s*)```(\S*)\s*$')
ERROR_MARK = re.compile(r'--\s*error:\s*([0-9A-Z]{5})\b')
ERROR_LINE = re.compile(r'^(?:psql:[^:]*:\d+: )?ERROR:  (?:([0-9A-Z]{5}): )?(.*)$')
SEPARATOR = re.compile(r'^-+(\+-+)*$')
WILD = ('…', '...')
ROWS = re.compile(r'^\(\d+ rows?\)$')


class Block:
    def __init__(self, kind, line, sql, shown=None, reason=None):
        self.kind = kind          # 'sql', 'hidden' or 'skip'
        self.line = line          # 1-based line of the opening fence / comment
        self.sql = sql
        self.shown = shown        # list of lines of the output shown, or None
        self.reason = reason
        self.expect = ERROR_MARK.findall(sql)


def parse(path):
    """Return the blocks of a page: sql, hidden and skipped ones, in document order."""
    lines = open(path, encoding='utf-8').read().split('\n')
    blocks, pending_skip = [], None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^\s*<!--\s*docs-test:\s*(skip)\s*(.*?)\s*(-->)?\s*$', line)
        if m:
            reason = m.group(2)
            while not m.group(3) and not lines[i].rstrip().endswith('-->'):
                i += 1
                reason += ' ' + lines[i].strip()
            reason = reason.replace('-->', '').strip()
            pending_skip = reason
            i += 1
            continue
        if re.match(r'^<!--\s*docs-test\b', line):
            start, body = i + 1, []
            i += 1
            while i < len(lines) and '-->' not in lines[i]:
                body.append(lines[i])
                i += 1
            blocks.append(Block('hidden', start, '\n'.join(body)))
            i += 1
            continue
        m = FENCE.match(line)
        if m:
            indent, lang, start, body = len(m.group(1)), m.group(2), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith('```'):
                body.append(lines[i][indent:] if not lines[i][:indent].strip() else lines[i])
                i += 1
            i += 1
            if lang != 'sql':
                continue
            b = Block('sql', start, '\n'.join(body))
            # the output shown: the next fenced block, empty or `text`, after blank lines only
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            m2 = FENCE.match(lines[j]) if j < len(lines) else None
            if m2 and m2.group(2) in ('', 'text'):
                shown, j = [], j + 1
                while j < len(lines) and not lines[j].lstrip().startswith('```'):
                    shown.append(lines[j])
                    j += 1
                b.shown = shown
                i = j + 1
            if pending_skip is not None:
                b.kind, b.reason, pending_skip = 'skip', pending_skip, None
            blocks.append(b)
            continue
        i += 1
    return blocks


def norm(line):
    line = line.rstrip()
    m = ERROR_LINE.match(line)
    if m:
        return 'ERROR:  ' + m.group(2).strip()
    line = re.sub(r'^psql:[^:]*:\d+: ', '', line)
    if SEPARATOR.match(line.strip()):
        return '---'
    if '|' in line:
        return '|'.join(c.strip() for c in line.split('|'))
    return line.strip()


def matches(shown, actual):
    """shown, actual: normalised lines; `…` lines and cells are wildcards."""
    memo = {}

    def line_ok(s, a):
        if s == a:
            return True
        sc, ac = s.split('|'), a.split('|')
        return len(sc) == len(ac) and all(x == y or x in WILD or
                                          (x.endswith(WILD) and y.startswith(x.rstrip('.…')))
                                          for x, y in zip(sc, ac))

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(shown):
            r = j == len(actual)
        elif shown[i] in WILD:
            r = go(i + 1, j) or (j < len(actual) and go(i, j + 1))
        else:
            r = j < len(actual) and line_ok(shown[i], actual[j]) and go(i + 1, j + 1)
        memo[(i, j)] = r
        return r
    return go(0, 0)


def run_page(path, args, dbname):
    blocks = parse(path)
    rel = os.path.relpath(path, args.root)
    exclude = args.excluded.get(rel)
    if exclude is not None:
        print(f'# exclude {rel}: {exclude}')
        return 0, 0
    runnable = [b for b in blocks if b.kind != 'skip']
    for b in blocks:
        if b.kind == 'skip':
            print(f'# skip {rel}:{b.line}: {b.reason}')
    if not any(b.kind == 'sql' for b in blocks):
        return 0, 0
    psql = [args.psql, '-X', '-q', '-d']

    def roles():
        r = subprocess.run(psql + ['postgres', '-At', '-c', 'SELECT rolname FROM pg_roles'],
                           capture_output=True, text=True)
        return set(r.stdout.split('\n')) - {''}
    roles_before = roles()
    admin = subprocess.run(psql + ['postgres', '-v', 'ON_ERROR_STOP=1', '-c',
                                   f'DROP DATABASE IF EXISTS {dbname}', '-c',
                                   f'CREATE DATABASE {dbname}'],
                           capture_output=True, text=True)
    if admin.returncode != 0:
        print(f'not ok - {rel}: cannot create database {dbname}\n# ' + admin.stderr.strip())
        return 0, 1
    script = ['SET client_min_messages = warning;',
              'CREATE EXTENSION IF NOT EXISTS sv_platform CASCADE;',
              'RESET client_min_messages;',
              '\\pset footer off', '\\set VERBOSITY verbose', '\\set SHOW_CONTEXT never']
    for n, b in enumerate(runnable):
        script.append(f'\\echo @@docs-block {n}@@')
        script.append(b.sql)
    script.append('\\echo @@docs-block end@@')
    env = dict(os.environ, PGTZ='UTC', PGOPTIONS='-c client_min_messages=notice')
    r = subprocess.run(psql + [dbname, '-f', '-'], input='\n'.join(script) + '\n',
                       capture_output=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env)
    if any('ALTER SYSTEM' in b.sql.upper() for b in runnable):
        # a page that changes the server's settings: back to postgresql.conf for the next page
        subprocess.run(psql + ['postgres', '-c', 'ALTER SYSTEM RESET ALL', '-c',
                               'SELECT pg_reload_conf(), pg_sleep(1)'], capture_output=True)
    # the roles the page created are dropped with its database
    drop = ''.join(f'DROP ROLE IF EXISTS "{x}";\n' for x in roles() - roles_before)
    subprocess.run(psql + ['postgres', '-f', '-'], capture_output=True, text=True,
                   input=f'DROP DATABASE IF EXISTS {dbname};\n' + drop)
    out = r.stdout.split('\n')
    pieces, cur, pre = {}, None, []
    for line in out:
        m = re.match(r'^@@docs-block (\w+)@@$', line)
        if m:
            cur = m.group(1)
            pieces[cur] = []
        elif cur is None:
            pre.append(line)
        else:
            pieces[cur].append(line)
    passed = failed = 0
    if any(ERROR_LINE.match(x) for x in pre):
        print(f'not ok - {rel}: preparing the database failed')
        for x in pre:
            print('#   ' + x)
        return 0, 1
    for n, b in enumerate(runnable):
        got = pieces.get(str(n))
        what = f'{rel}:{b.line}' + (' (hidden)' if b.kind == 'hidden' else '')
        problems = []
        if got is None:
            problems.append('the block did not run (psql stopped earlier)')
            got = []
        states = [m.group(1) or '?????' for m in map(ERROR_LINE.match, got) if m]
        if states != b.expect:
            problems.append(f'SQLSTATEs raised {states or "none"}, marked {b.expect or "none"}')
        actual = [norm(x) for x in got if x.strip() and not x.startswith('LOCATION:  ')]
        if b.shown is not None:
            shown = [norm(x) for x in b.shown if x.strip() and not ROWS.match(x.strip())]
            if not matches(shown, actual):
                problems.append('the output differs from the one shown')
        if problems:
            failed += 1
            print(f'not ok - {what}')
            for p in problems:
                print(f'#   {p}')
            print('#   psql printed:')
            for x in got:
                if not x.startswith('LOCATION:  '):
                    print('#     ' + x)
            if b.shown is not None:
                print('#   the document shows:')
                for x in b.shown:
                    print('#     ' + x)
        else:
            passed += 1
            print(f'ok - {what}')
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--psql', default='psql')
    ap.add_argument('--root', default='.', help='paths are printed relative to this')
    ap.add_argument('--exclude', action='append', default=[], metavar='PAGE=REASON',
                    help='leave a page out (printed with its reason)')
    ap.add_argument('pages', nargs='+')
    args = ap.parse_args()
    args.excluded = dict(x.split('=', 1) for x in args.exclude)
    total_p = total_f = 0
    for page in args.pages:
        stem = re.sub(r'\W', '_', os.path.splitext(os.path.relpath(page, args.root))[0]).lower()
        p, f = run_page(page, args, 'docs_' + stem)
        total_p += p
        total_f += f
    print(f'# docs examples: {total_p} passed, {total_f} failed')
    return 1 if total_f else 0


if __name__ == '__main__':
    sys.exit(main())
