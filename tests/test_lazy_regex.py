"""A pattern compiled on first use answers as the compiled pattern does."""

from __future__ import annotations

import copy
import re

from iacguard.lazy_regex import lazy_compile


def test_a_lazy_pattern_matches_substitutes_and_describes_itself_as_re_compile():
    lazy, compiled = lazy_compile(r"\$\{([^}]*)\}", re.IGNORECASE), re.compile(r"\$\{([^}]*)\}", re.IGNORECASE)
    text = "arn:${AWS::Partition}:s3:::${Bucket}/*"
    assert "_source" in vars(lazy) and "match" not in vars(lazy)  # nothing compiled yet
    assert lazy.search(text).group(1) == compiled.search(text).group(1) == "AWS::Partition"
    assert "search" in vars(lazy)  # compiled once: its methods are now plain attributes
    assert lazy.sub(lambda m: m.group(1).lower(), text) == compiled.sub(lambda m: m.group(1).lower(), text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.fullmatch("${x}") and not lazy.fullmatch("x${x}")
    assert (lazy.pattern, lazy.flags, lazy.groups) == (compiled.pattern, compiled.flags, compiled.groups)
    assert lazy.split(text) == compiled.split(text) and lazy.findall(text) == compiled.findall(text)


def test_copying_a_lazy_pattern_compiles_nothing_and_gives_a_working_copy():
    lazy = lazy_compile(r"\d{12}")
    twin = copy.deepcopy(lazy)
    assert "match" not in vars(lazy)
    assert twin.fullmatch("123456789012") and not twin.fullmatch("1234")


def test_a_module_imported_in_the_window_compiles_on_first_use_and_re_is_restored(tmp_path, monkeypatch):
    import importlib
    import sys
    import threading

    from iacguard.lazy_regex import regexes_compiled_on_first_use

    (tmp_path / "lazy_probe_mod.py").write_text("import re\nWORD = re.compile(r'\\w+')\n")
    (tmp_path / "lazy_probe_busy.py").write_text("import re\nWORD = re.compile(r'\\w+')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    original = re.compile
    with regexes_compiled_on_first_use():
        module = importlib.import_module("lazy_probe_mod")
    assert re.compile is original
    assert "match" not in vars(module.WORD) and module.WORD.findall("a bc") == ["a", "bc"]
    # another thread running: re is left alone (the thread could compile a pattern of its own)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        with regexes_compiled_on_first_use():
            busy = importlib.import_module("lazy_probe_busy")
    finally:
        stop.set()
        worker.join()
    assert isinstance(busy.WORD, re.Pattern)
    sys.modules.pop("lazy_probe_mod", None)
    sys.modules.pop("lazy_probe_busy", None)


_PYYAML_PROBE = """
import json, sys
if sys.argv[1] == "iacguard":
    import iacguard.loaders.cfn_yaml  # imports PyYAML with its regexes compiled on first use
import yaml
text = "a: yes\\nb: 2001-12-14 21:59:43.10 -5\\nc: 0x1F\\nd: ~\\ne: 1.5e+3\\nf: 0b101\\ng: 1:30\\nh: .nan\\n<<: {i: 1}\\n"
out = {k: repr(v) for k, v in yaml.safe_load(text).items()}
try:
    yaml.safe_load("a: \\x07")
except yaml.reader.ReaderError as exc:
    out["error"] = exc.reason
out["lazy"] = type(yaml.reader.Reader.NON_PRINTABLE).__name__
print(json.dumps(out))
"""


def test_pyyaml_imported_by_iacguard_reads_yaml_as_pyyaml_does():
    """PyYAML's own pure-Python reading (settings files use it) resolves and rejects the same."""
    import json
    import subprocess
    import sys

    from helpers import ROOT

    def read(how: str) -> dict:
        proc = subprocess.run([sys.executable, "-c", _PYYAML_PROBE, how], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    ours, plain = read("iacguard"), read("plain")
    assert ours.pop("lazy") == "_LazyPattern" and plain.pop("lazy") == "Pattern"
    assert ours == plain and plain["error"] == "special characters are not allowed"
    assert plain["a"] == "True" and plain["c"] == "31"
