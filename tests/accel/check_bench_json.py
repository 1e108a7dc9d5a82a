#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`blendscope-cli bench --json` under a locale that writes decimal commas is still JSON.

printf's "%g" follows LC_NUMERIC: under de_DE it wrote 0,25. The test runs the CLI with
a decimal-comma locale: one installed on this machine, or else one compiled with
localedef into a temporary folder and found through LOCPATH. It skips (exit 77) only when
neither is possible, saying why.
"""
import json
import os
import subprocess
import sys
import tempfile

CANDIDATES = ["de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8", "it_IT.UTF-8"]


def decimal_point(env):
    """The decimal point C's printf uses under env's locale, asked of a child process."""
    code = "import locale; locale.setlocale(locale.LC_ALL, ''); print(locale.localeconv()['decimal_point'])"
    out = subprocess.run(["/usr/bin/python3", "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def comma_locale(tmp):
    """An environment whose locale writes decimal commas, or None."""
    base = dict(os.environ)
    base.pop("LANG", None)
    base.pop("LC_NUMERIC", None)
    for name in CANDIDATES:
        env = dict(base, LC_ALL=name)
        if decimal_point(env) == ",":
            return env
    made = os.path.join(tmp, "de_DE.UTF-8")
    r = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", made], capture_output=True, text=True)
    env = dict(base, LC_ALL="de_DE.UTF-8", LOCPATH=tmp)
    if os.path.isdir(made) and decimal_point(env) == ",":
        return env
    print("1..0 # SKIP no decimal-comma locale installed and localedef could not make de_DE.UTF-8: "
          + (r.stderr.strip() or "no error output"))
    sys.exit(77)


def main():
    cli = os.environ["BS_CLI"]
    model = os.path.join(os.environ["BS_SOURCE_ROOT"], "data", "models", "resnet20-bnn.bsm")
    with tempfile.TemporaryDirectory() as tmp:
        env = comma_locale(tmp)
        out = subprocess.run([cli, "bench", model, "--backend", "cpu:isa=scalar", "--runs", "3",
                              "--reference-runs", "1", "--json"],
                             env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    # The figures are numbers, not strings that happen to parse.
    for figure in (doc["per_image_ms"]["median"], doc["ops"][0]["us"]["median"], doc["reference_ms"]):
        assert isinstance(figure, (int, float)) and figure > 0, figure
    assert doc["model"] and doc["backend"] == "cpu:isa=scalar"
    print("1..1\nok 1 bench --json under %s (LOCPATH %s) is JSON"
          % (env["LC_ALL"], "set" if "LOCPATH" in env else "unset"))


if __name__ == "__main__":
    main()
