"""The disk cache of `cnngrade inspect` (grader/reference/analysis_cache.py): a warm inspect
prints exactly what a cold one prints without importing torch, and an entry is reused only
for the same target, input, depth, engine source and torch."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grader.reference.analysis_cache as analysis_cache
from grader.caches import CACHE_ENV
from grader.reference.analysis import Analysis, LayerInfo, analyze
from grader.reference.analysis_cache import analysis_from_dict, analyze_cached

ROOT = Path(__file__).resolve().parents[2]
COURSE_SPEC = ROOT / "examples" / "specs" / "course-exercise.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own, and a count of the passes that really ran."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    passes = []
    real = analysis_cache.analyze
    monkeypatch.setattr(analysis_cache, "analyze", lambda *a, **k: passes.append(a) or real(*a, **k))
    analysis_cache._engine_key.cache_clear()
    yield folder, passes
    analysis_cache._engine_key.cache_clear()


def _entries(folder):
    return sorted(p.name for p in (folder / "analysis").glob("*.json"))


def _inspect(args, cache_setting):
    """`cnngrade inspect ARGS` in a fresh process: (stdout, whether torch was imported)."""
    code = ("import sys\nfrom cli import main\n"
            f"try:\n    main(['inspect', *{list(args)!r}])\nexcept SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "print('torch' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, CACHE_ENV: cache_setting}, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr.split()[-1] == "True"


def test_a_warm_inspect_prints_the_same_without_importing_torch(tmp_path):
    folder = str(tmp_path / "cache")
    cold_table, cold_torch = _inspect(["resnet18", "--depth", "2"], folder)
    warm_table, warm_torch = _inspect(["resnet18", "--depth", "2"], folder)
    assert cold_torch and not warm_torch
    assert warm_table == cold_table and "11,689,512" in warm_table
    warm_json, warm_torch = _inspect(["resnet18", "--depth", "2", "--json"], folder)
    uncached_json, uncached_torch = _inspect(["resnet18", "--depth", "2", "--json"], "off")
    assert uncached_torch and not warm_torch
    assert warm_json == uncached_json
    assert json.loads(warm_json)["total_params"] == 11_689_512


def test_a_hit_is_the_analysis_and_every_key_change_misses(cache):
    folder, passes = cache
    first = analyze_cached("lenet5")
    assert analyze_cached("LeNet5") == first == analyze("lenet5")   # the catalogue's spelling
    assert len(passes) == 1 and len(_entries(folder)) == 1
    for options in ({"input_shape": (1, 33, 33)}, {"depth": 1}, {"input_shape": (1, 33, 33), "depth": 1}):
        assert analyze_cached("lenet5", **options) == analyze("lenet5", **options)
    assert analyze_cached("lenet5-d2l").source == "lenet5-d2l"
    assert len(passes) == 5 and len(_entries(folder)) == 5


def test_a_spec_file_is_keyed_by_its_content_and_name(cache, tmp_path):
    folder, passes = cache
    spec = tmp_path / "course.yaml"
    shutil.copy(COURSE_SPEC, spec)
    assert analyze_cached(spec).total_params == 13_285_956
    assert analyze_cached(str(spec)).total_params == 13_285_956
    assert len(passes) == 1
    renamed = tmp_path / "renamed.yaml"   # the same layers, but the title names the file
    shutil.copy(spec, renamed)
    assert analyze_cached(renamed).source == "renamed.yaml"
    spec.write_text(spec.read_text().replace("filters: 48", "filters: 24"))
    assert analyze_cached(spec) == analyze(spec)
    assert len(passes) == 3


def test_a_device_pass_and_a_module_are_never_cached(cache):
    folder, passes = cache
    assert analyze_cached("lenet5", device="cpu").device == "cpu"
    from grader.reference.models import build_model

    analyze_cached(build_model("lenet5", device="meta"))
    assert _entries(folder) == [] and len(passes) == 2


def test_the_cache_switched_off_writes_nothing(cache, monkeypatch, tmp_path):
    folder, passes = cache
    home = tmp_path / "home"
    home.mkdir()
    for variable in ("HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(home))
    monkeypatch.setenv(CACHE_ENV, "off")
    analyze_cached("lenet5")
    analyze_cached("lenet5")
    assert len(passes) == 2
    assert list(home.iterdir()) == [] and not folder.exists()


def test_another_torch_or_engine_source_never_reuses_an_entry(cache, monkeypatch, tmp_path):
    folder, passes = cache
    analyze_cached("lenet5")
    (old,) = _entries(folder)

    import grader.caches

    real_version = grader.caches.package_version
    monkeypatch.setattr(grader.caches, "package_version",
                        lambda name: "0.0.1" if name == "torch" else real_version(name))
    analysis_cache._engine_key.cache_clear()
    analyze_cached("lenet5")
    assert len(passes) == 2
    assert old not in _entries(folder) and len(_entries(folder)) == 1   # the stale one went
    monkeypatch.undo()

    # The same engine files with one changed byte in models.py.
    engine = tmp_path / "engine"
    engine.mkdir()
    for name in analysis_cache._ENGINE:
        shutil.copy(Path(analysis_cache.__file__).parent / name, engine / name)
    with open(engine / "models.py", "a") as models:
        models.write("\n")
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setattr(analysis_cache, "analyze", lambda *a, **k: passes.append(a) or analyze(*a, **k))
    analysis_cache._engine_key.cache_clear()
    analyze_cached("lenet5")   # this torch again: an entry of the real engine
    analyze_cached("lenet5")
    assert len(passes) == 3
    monkeypatch.setattr(analysis_cache, "__file__", str(engine / "analysis_cache.py"))
    analysis_cache._engine_key.cache_clear()
    analyze_cached("lenet5")
    analyze_cached("lenet5")
    assert len(passes) == 4 and len(_entries(folder)) == 1


def _damage_truncate(text):
    return text[: len(text) // 2]


def _damage_field(text):
    data = json.loads(text)
    del data["analysis"]["layers"][3]["macs"]
    return json.dumps(data)


def _damage_type(text):
    data = json.loads(text)
    data["analysis"]["layers"][0]["output_shape"] = "6x28x28"
    return json.dumps(data)


def _damage_key(text):
    data = json.loads(text)
    data["key"]["depth"] = 1
    return json.dumps(data)


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_field, _damage_type, _damage_key,
                                    lambda text: "\udcff not utf-8", lambda text: "[]"])
def test_a_damaged_entry_is_ignored_and_rewritten(cache, damage):
    folder, passes = cache
    expected = analyze_cached("lenet5")
    (entry,) = (folder / "analysis").glob("*.json")
    entry.write_bytes(damage(entry.read_text()).encode("utf-8", "surrogateescape"))
    assert analyze_cached("lenet5") == expected and len(passes) == 2
    assert analyze_cached("lenet5") == expected and len(passes) == 2   # rewritten whole


def test_every_field_reads_back_from_json():
    """A field added to LayerInfo or Analysis needs a reader, or nothing would ever hit."""
    for cls in (LayerInfo, Analysis):
        for field in cls.__dataclass_fields__.values():
            assert field.name == "layers" or field.type in analysis_cache._READERS, field
    # Fractional fields and jumps (adaptive pooling 5x5 -> 6x6), flat rows, a spec.
    for target, shape in (("alexnet", (3, 200, 200)), (COURSE_SPEC, None)):
        analysis = analyze(target, input_shape=shape)
        assert analysis_from_dict(json.loads(json.dumps(analysis.to_dict()))) == analysis
    assert any(isinstance(v, float) for layer in analyze("alexnet", input_shape=(3, 200, 200)).layers
               for v in layer.jump or ())


def test_entries_are_bounded(cache, monkeypatch):
    folder, passes = cache
    monkeypatch.setattr(analysis_cache, "MAX_ENTRIES", 3)
    for side in range(32, 37):
        analyze_cached("resnet20-cifar", input_shape=(3, side, side))
    assert len(_entries(folder)) == 3
