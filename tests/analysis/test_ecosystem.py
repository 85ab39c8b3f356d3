"""The files and the package as other tools see them: xarray (h5netcdf) reads run, batch, sweep
and merged files with named dimensions and coordinates; RunData/SweepData.to_xarray; the package
installs with pip offline; simulate() in process equals `pricewar run`, dataset by dataset.

Needs PRICEWAR_BIN (the pricewar binary), PRICEWAR_NATIVE_DIR (the folder of the compiled
module _native*.so) and PRICEWAR_BUILD_DIR (for cmake --install)."""
import io
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import h5py
import numpy as np
import xarray as xr

BIN = os.environ["PRICEWAR_BIN"]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT = os.path.join(ROOT, "scenarios", "default.toml")
TINY = os.path.join(ROOT, "scenarios", "sweeps", "tiny.toml")
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from pricewar_analysis import load_run, load_sweep  # noqa: E402


def pricewar(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"pricewar {' '.join(args)}: {r.stderr}")
    return r


def is_scale(obj):
    return isinstance(obj, h5py.Dataset) and obj.attrs.get("CLASS") == b"DIMENSION_SCALE"


def assert_same_file(test, a, b):
    """Every group, dataset (values, NaN in the same places) and attribute of a equals b's."""
    def walk(x, y, path):
        test.assertEqual(sorted(x.attrs.keys()), sorted(y.attrs.keys()), path)
        for key in x.attrs:
            if key in ("DIMENSION_LIST", "REFERENCE_LIST"):
                continue  # object references: addresses inside each file
            if key == "pricewar_version":
                continue
            np.testing.assert_array_equal(x.attrs[key], y.attrs[key], err_msg=f"{path}@{key}")
        if isinstance(x, h5py.Dataset):
            test.assertEqual(x.shape, y.shape, path)
            test.assertEqual(x.dtype, y.dtype, path)
            np.testing.assert_array_equal(x[()], y[()], err_msg=path)
            return
        test.assertEqual(list(x.keys()), list(y.keys()), path)
        for name in x:
            walk(x[name], y[name], f"{path}/{name}")
    walk(a, b, "")


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.run_file = os.path.join(d, "run.h5")
        pricewar("run", DEFAULT, "--turns", "30", "-q", "-o", cls.run_file)
        cls.dated_run = os.path.join(d, "dated-run.h5")
        pricewar("run", DEFAULT, "--turns", "10", "-q", "--set", "start_date=\"2024-04-29\"", "-o", cls.dated_run)
        cls.sweep_file = os.path.join(d, "sweep.h5")
        pricewar("sweep", TINY, "-o", cls.sweep_file, "--series", "--jobs", "2")
        cls.shards = [os.path.join(d, f"shard{i}.h5") for i in (1, 2)]
        for i, shard in enumerate(cls.shards, start=1):
            pricewar("sweep", TINY, "-o", shard, "--series", "--shard", f"{i}/2")
        cls.merged = os.path.join(d, "merged.h5")
        pricewar("merge", *cls.shards, "-o", cls.merged)
        # The tiny sweep with a start date, in two shards merged: dates and display names.
        with open(TINY) as f:
            text = f.read().replace('"../default.toml"', repr(DEFAULT).replace("'", '"'))
        dated_toml = os.path.join(d, "dated.toml")
        with open(dated_toml, "w") as f:
            f.write(text.replace("[set]\n", '[set]\nstart_date = "2024-04-29"\n'))
        dated_shards = [os.path.join(d, f"dated{i}.h5") for i in (1, 2)]
        for i, shard in enumerate(dated_shards, start=1):
            pricewar("sweep", dated_toml, "-o", shard, "--series", "--shard", f"{i}/2")
        cls.dated = os.path.join(d, "dated.h5")
        pricewar("merge", *dated_shards, "-o", cls.dated)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def open(self, path, group):
        return xr.open_dataset(path, group=group, engine="h5netcdf")

    def test_xarray_reads_a_run_file_with_named_dimensions(self):
        with h5py.File(self.run_file) as f:
            vendors = list(f["vendors/name"].asstr()[:])
            offers = list(f["offers/name"].asstr()[:])
            with self.open(self.run_file, "series/vendor") as ds:
                self.assertEqual(ds["cash"].dims, ("turn", "vendor"))
                self.assertEqual(list(ds["vendor"].values), vendors)
                np.testing.assert_array_equal(ds["turn"].values, np.arange(30))
                np.testing.assert_array_equal(ds["cash"].values, f["series/vendor/cash"][()])
                self.assertEqual(ds["cash"].attrs["units"], "CNY")
                self.assertEqual(float(ds["turn"].attrs["turn_days"]), float(f.attrs["turn_days"]))
            with self.open(self.run_file, "series/offer") as ds:
                self.assertEqual(ds["price"].dims, ("turn", "offer"))
                self.assertEqual(list(ds["offer"].values), offers)
            with self.open(self.run_file, "series/market") as ds:
                self.assertEqual(ds["hhi"].dims, ("turn",))
            with self.open(self.run_file, "summary/vendor") as ds:
                self.assertEqual(ds["exit_turn"].dims, ("vendor",))
                self.assertEqual(list(ds["vendor"].values), vendors)

    def test_xarray_reads_the_date_of_a_dated_run_file(self):
        for group in ("series/vendor", "series/offer", "series/market"):
            with self.open(self.dated_run, group) as ds:
                self.assertIn("date", ds.coords, group)
                self.assertEqual(ds["date"].dims, ("turn",))
                self.assertEqual(str(ds["date"].values[0])[:10], "2024-04-29")
                self.assertEqual(str(ds["date"].values[1])[:10], "2024-05-06")
        with self.open(self.run_file, "series/vendor") as ds:  # no start date, no date
            self.assertNotIn("date", ds.coords)

    def check_sweep(self, path):
        with h5py.File(path) as f:
            run_ids = f["design/run_id"][()]
            vendors = list(f["vendors/name"].asstr()[:])
            offers = list(f["offers/name"].asstr()[:])
            turns = int(f.attrs["turns"])
            with self.open(path, "series/vendor") as ds:
                self.assertEqual(ds["cash"].dims, ("run", "turn", "vendor"))
                np.testing.assert_array_equal(ds["run"].values, run_ids)
                np.testing.assert_array_equal(ds["turn"].values, np.arange(turns))
                self.assertEqual(list(ds["vendor"].values), vendors)
                np.testing.assert_array_equal(ds["cash"].values, f["series/vendor/cash"][()])
            with self.open(path, "series/offer") as ds:
                self.assertEqual(ds["price"].dims, ("run", "turn", "offer"))
                self.assertEqual(list(ds["offer"].values), offers)
            with self.open(path, "summary/vendor") as ds:
                self.assertEqual(ds["exit_turn"].dims, ("run", "vendor"))
                np.testing.assert_array_equal(ds["run"].values, run_ids)
            for group in ("summary/market", "design", "runs"):
                with self.open(path, group) as ds:
                    self.assertEqual(dict(ds.dims), {"run": len(run_ids)}, group)
                    np.testing.assert_array_equal(ds["run"].values, run_ids)

    def test_xarray_reads_sweep_and_merged_files(self):
        self.check_sweep(self.sweep_file)
        self.check_sweep(self.merged)
        for shard in self.shards:
            self.check_sweep(shard)

    def test_merge_of_labelled_shards_equals_the_whole_sweep(self):
        with h5py.File(self.sweep_file) as a, h5py.File(self.merged) as b:
            for group in ("design", "summary/vendor", "summary/market", "series/vendor", "series/offer"):
                for name in a[group]:
                    if name == "wall_seconds":
                        continue
                    np.testing.assert_array_equal(a[group][name][()], b[group][name][()], err_msg=name)

    def test_h5py_readers_skip_the_scales(self):
        r = load_run(self.run_file)
        self.assertNotIn("vendor", r.vendor_summary.columns[2:])
        self.assertNotIn("turn", r.market.columns)
        self.assertEqual(len(r.vendor_series), 30 * len(r.vendors))
        s = load_sweep(self.sweep_file)
        self.assertNotIn("run", s.runs.columns)
        self.assertEqual(len(s.runs), 8)
        one = load_run(self.sweep_file, run=3)
        self.assertEqual(len(one.market), 20)

    def test_xarray_shows_dates_and_display_names_of_a_sweep(self):
        with h5py.File(self.dated) as f:
            names = list(f["vendors/display_name"].asstr()[:])
            offer_names = list(f["offers/display_name"].asstr()[:])
            self.assertEqual(f.attrs["start_date"], "2024-04-29")
        self.assertIn("LowCost AI", names)
        for group in ("series/vendor", "series/offer", "series/market"):
            with self.open(self.dated, group) as ds:
                self.assertEqual(ds["date"].dims, ("turn",), group)
                self.assertIn("date", ds.coords, group)
                self.assertEqual(str(ds["date"].values[0])[:10], "2024-04-29")
                self.assertEqual(str(ds["date"].values[19])[:10], "2024-09-09")  # 19 weeks on
        with self.open(self.dated, "series/vendor") as ds:
            self.assertEqual(list(ds.coords["vendor_name"].values), names)
            self.assertEqual(ds["vendor_name"].dims, ("vendor",))
            self.assertEqual(ds["cash"].dims, ("run", "turn", "vendor"))
            self.assertIn("vendor_name", ds["cash"].coords)
        with self.open(self.dated, "series/offer") as ds:
            self.assertEqual(list(ds.coords["offer_name"].values), offer_names)
        with self.open(self.dated, "summary/vendor") as ds:
            self.assertEqual(list(ds.coords["vendor_name"].values), names)
        with self.open(self.sweep_file, "series/vendor") as ds:   # no start date: no dates
            self.assertNotIn("date", ds.variables)
            self.assertIn("vendor_name", ds.coords)

        s = load_sweep(self.dated)
        self.assertEqual(s.vendors["display_name"].tolist(), names)
        self.assertEqual(str(s.start_date), "2024-04-29")
        ds = s.to_xarray(series=True)
        self.assertEqual(list(ds["vendor_name"].values), names)
        self.assertEqual(list(ds["offer_name"].values), offer_names)
        self.assertEqual(ds["date"].dims, ("turn",))
        self.assertEqual(str(ds["date"].values[1])[:10], "2024-05-06")
        self.assertNotIn("date", load_sweep(self.sweep_file).to_xarray(series=True).coords)

    def test_run_data_to_xarray(self):
        r = load_run(self.run_file)
        ds = r.to_xarray()
        self.assertEqual(ds["cash"].dims, ("turn", "vendor"))
        self.assertEqual(ds["price"].dims, ("turn", "offer"))
        self.assertEqual(ds["offer_revenue"].dims, ("turn", "offer"))
        self.assertEqual(list(ds["vendor"].values), r.vendors["name"].tolist())
        self.assertEqual(list(ds["offer"].values), r.offers["name"].tolist())
        names = dict(zip(ds["vendor"].values, ds["vendor_name"].values))
        self.assertEqual(names["lowcost"], "LowCost AI")    # from the resolved scenario
        self.assertEqual(dict(zip(ds["offer"].values, ds["offer_name"].values))["lowcost.v2"],
                         "LowCost-V2")
        with h5py.File(self.run_file) as f:
            np.testing.assert_array_equal(ds["cash"].values, f["series/vendor/cash"][()])
            np.testing.assert_array_equal(ds["offer_revenue"].values, f["series/offer/revenue"][()])
            np.testing.assert_array_equal(ds["hhi"].values, f["series/market/hhi"][()])
            np.testing.assert_array_equal(ds["exit_turn"].values, f["summary/vendor/exit_turn"][()])
        self.assertEqual(ds["cash"].attrs["units"], "CNY")

    def test_start_date_gives_a_date_coordinate(self):
        # Run files of scenarios with a start_date carry it as a root attribute and on the
        # turn scales; to_xarray turns it into dates, turn_days apart.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "dated.h5")
            shutil.copy(self.run_file, path)
            with h5py.File(path, "r+") as f:
                f.attrs["start_date"] = "2024-05-06"
            ds = load_run(path).to_xarray()
            self.assertEqual(ds["date"].dims, ("turn",))
            self.assertEqual(str(ds["date"].values[0])[:10], "2024-05-06")
            self.assertEqual(str(ds["date"].values[2])[:10], "2024-05-20")
            self.assertNotIn("date", load_run(self.run_file).to_xarray().coords)

    def test_sweep_data_to_xarray(self):
        s = load_sweep(self.sweep_file)
        ds = s.to_xarray(series=True)
        with h5py.File(self.sweep_file) as f:
            np.testing.assert_array_equal(ds["run"].values, f["design/run_id"][()])
            self.assertEqual(ds["exit_turn"].dims, ("run", "vendor"))
            exit_turn = f["summary/vendor/exit_turn"][()].copy()
            exit_turn[f["runs/status"][()] != 0, :] = -2
            np.testing.assert_array_equal(ds["exit_turn"].values, exit_turn)
            np.testing.assert_array_equal(ds["startup_survival_share"].values,
                                          f["summary/market/startup_survival_share"][()])
            self.assertEqual(ds["cash"].dims, ("run", "turn", "vendor"))
            np.testing.assert_array_equal(ds["cash"].values, f["series/vendor/cash"][()])
            for p in f["design"].attrs["parameters"]:
                np.testing.assert_array_equal(ds[p].values, f["design/" + p][()])


class Package(unittest.TestCase):
    """pip installs the package offline; simulate() equals `pricewar run`."""

    def venv(self, d):
        env_dir = os.path.join(d, "venv")
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", env_dir], check=True)
        return os.path.join(env_dir, "bin", "python")

    def pip_install(self, python, folder):
        r = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--quiet",
                            folder], capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def script(self, python, code, env=None):
        r = subprocess.run([python, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=600,
                           cwd=tempfile.gettempdir(), env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_pip_install_and_simulate_equals_run(self):
        with tempfile.TemporaryDirectory() as d:
            source = os.path.join(d, "analysis")
            shutil.copytree(os.path.join(ROOT, "analysis"), source,
                            ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
            python = self.venv(d)
            self.pip_install(python, source)
            version = pricewar("version").stdout.split()[1]
            env = dict(os.environ, PRICEWAR_NATIVE_DIR=os.environ["PRICEWAR_NATIVE_DIR"])
            env.pop("PYTHONPATH", None)
            out = os.path.join(d, "run.h5")
            pricewar("run", DEFAULT, "-q", "-o", out)
            stdout = self.script(python, f"""
                import io, h5py, numpy as np, pandas as pd
                import pricewar_analysis as pa
                from pricewar_analysis.simulation import native_module
                assert pa.__file__.startswith({d!r}), pa.__file__
                assert pa.__version__ == {version!r} == native_module().__version__, pa.__version__
                got, want = pa.simulate({DEFAULT!r}), pa.load_run({out!r})
                for key in ("vendors", "offers", "offer_series", "vendor_series", "market", "vendor_summary",
                            "events"):
                    pd.testing.assert_frame_equal(getattr(got, key), getattr(want, key))
                assert got.attrs == want.attrs and got.units == want.units
                print("frames equal")
            """, env)
            self.assertIn("frames equal", stdout)

            # Dataset by dataset: the bytes simulate() reads are the file `pricewar run` writes.
            sys.path.insert(0, os.environ["PRICEWAR_NATIVE_DIR"])
            from pricewar_analysis.simulation import native_module
            native = native_module()
            data = native.run_file_bytes(DEFAULT, False, "", None, [], None)
            with h5py.File(io.BytesIO(data), "r") as a, h5py.File(out, "r") as b:
                assert_same_file(self, a, b)

    def test_simulate_text_overrides_turns_and_errors(self):
        import pricewar_analysis as pa
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run.h5")
            pricewar("run", DEFAULT, "-q", "-o", out, "--seed", "5", "--turns", "20",
                     "--set", "developers.count=2000")
            want = load_run(out)
            with open(DEFAULT) as f:
                text = f.read()
            got = pa.simulate(text, seed=5, turns=20, overrides={"developers.count": 2000})
            np.testing.assert_array_equal(got.vendor_series["cash"], want.vendor_series["cash"])
            np.testing.assert_array_equal(got.market["hhi"], want.market["hhi"])

            bad = os.path.join(d, "bad.toml")
            with open(bad, "w") as f:
                f.write(text.replace("turns = 104", 'turns = "many"'))
            r = subprocess.run([BIN, "run", bad], capture_output=True, text=True)
            with self.assertRaises(pa.ScenarioError) as caught:
                pa.simulate(bad)
            self.assertEqual(str(caught.exception), r.stderr.strip())
            with self.assertRaises(ValueError) as caught:
                pa.simulate(DEFAULT, overrides={"developers.count": -5})
            self.assertIn("developers.count", str(caught.exception))
            with self.assertRaises(ValueError):
                pa.simulate(DEFAULT, seed=-1)
            with self.assertRaises(ValueError):
                pa.simulate(DEFAULT, turns=0)
            with self.assertRaises(ValueError):
                pa.simulate(DEFAULT, threads=0)

    def test_simulate_threads_do_not_change_the_run(self):
        # 40,000 agents with lagged peer choices are three chunks, which threads share.
        import pricewar_analysis as pa
        options = dict(seed=3, turns=15, overrides={"developers.count": 40000, "developers.weight": 2.25,
                                                    "developers.peer_update": "lagged"})
        one, three = pa.simulate(DEFAULT, threads=1, **options), pa.simulate(DEFAULT, threads=3, **options)
        for name in ("cash", "tokens", "developers"):
            np.testing.assert_array_equal(one.vendor_series[name], three.vendor_series[name])
        np.testing.assert_array_equal(one.market["consumer_surplus"], three.market["consumer_surplus"])

    def test_simulate_batch_equals_pricewar_batch(self):
        import pricewar_analysis as pa
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "batch.h5")
            pricewar("batch", DEFAULT, "--replicates", "3", "--series", "--set", "turns=60", "-o", out)
            runs = pa.simulate_batch(DEFAULT, replicates=3, overrides=["turns=60"], jobs=2)
            self.assertEqual(len(runs), 3)
            seeds = load_sweep(out).runs["seed"].tolist()
            for i, got in enumerate(runs):
                self.assertEqual(int(got.attrs["seed"]), seeds[i])
                want = load_run(out, run=i)
                np.testing.assert_array_equal(got.vendor_series["cash"], want.vendor_series["cash"])
                np.testing.assert_array_equal(got.offer_series["price"], want.offer_series["price"])

    def test_installed_package_carries_the_module(self):
        with tempfile.TemporaryDirectory() as d:
            prefix = os.path.join(d, "prefix")
            r = subprocess.run(["cmake", "--install", os.environ["PRICEWAR_BUILD_DIR"], "--prefix", prefix],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            python = self.venv(d)
            self.pip_install(python, os.path.join(prefix, "share", "pricewar", "analysis"))
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PRICEWAR_NATIVE_DIR")}
            stdout = self.script(python, f"""
                import pricewar_analysis as pa
                r = pa.simulate({DEFAULT!r}, turns=10)
                print(len(r.market), pa.__file__)
            """, env)
            self.assertTrue(stdout.startswith("10 " + d), stdout)


if __name__ == "__main__":
    unittest.main()
