"""Runs a program under a pseudo-terminal, as a person at a terminal would.

    python3 pty_drive.py STEPS_JSON PROGRAM ARGS...

STEPS_JSON is a list of ["expect", TEXT] (wait up to 20 s for TEXT in the output), ["send",
KEYS] and ["sleep", SECONDS]. Afterwards it reads until the program exits, writes everything the
program wrote to stdout, writes "terminal: restored" or "terminal: left in cbreak mode" (whether
the program put the terminal back in line mode with echo) to stderr, and exits with the
program's exit code. A step that times out exits 99 with what was seen.
"""

import json
import os
import pty
import select
import sys
import termios
import time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

seen = b""


def pump(timeout):
    global seen
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    if not chunk:
        return False
    seen += chunk
    return True


for kind, arg in steps:
    if kind == "expect":
        # Generous: a session's words come on its own clock, but on a loaded machine a debug
        # build starts and draws slowly, and a missed moment here is only a hang detector.
        deadline = time.monotonic() + 60
        while arg.encode() not in seen:
            if time.monotonic() > deadline or not pump(0.1) and arg.encode() not in seen:
                sys.stdout.write(seen.decode(errors="replace"))
                sys.stderr.write(f"pty_drive: never saw {arg!r}\n")
                os.kill(pid, 9)
                sys.exit(99)
    elif kind == "send":
        os.write(fd, arg.encode())
    elif kind == "sleep":
        end = time.monotonic() + float(arg)
        while time.monotonic() < end:
            pump(0.05)

deadline = time.monotonic() + 20
while pump(0.5) and time.monotonic() < deadline:
    pass
try:
    lflag = termios.tcgetattr(fd)[3]
    restored = bool(lflag & termios.ICANON) and bool(lflag & termios.ECHO)
    sys.stderr.write("terminal: " + ("restored" if restored else "left in cbreak mode") + "\n")
except termios.error as e:
    sys.stderr.write(f"terminal: unknown ({e})\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
