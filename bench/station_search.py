"""Time the station finder (trains.selectors.stations_find) on a large generated network, with no HTTP.

Writes --stations generated stations (codes FIND0000001, ...; names of one to four words drawn
from a vocabulary of made-up words and the words real names repeat: "Central", "Saint", "gare
de", ...) with their name words, refreshes the planner's statistics, then runs each query of
QUERIES --repeats times and prints its median and worst time and the rows of its first page.
The generated stations are deleted at the end (and any left by an interrupted run, at the start).
DATABASE_URL as for the benchmark; it defaults to the benchmark's database, and may name an
SQLite file (sqlite:////tmp/stations.sqlite3) to time the embedded database.
"""

import argparse
import random
import statistics
import sys
import time

CODE_PREFIX = "FIND"
# Words many real station names share, so that short and common prefixes match many stations.
COMMON_WORDS = [
    "Central",
    "Nord",
    "Sud",
    "Saint",
    "St",
    "gare",
    "de",
    "la",
    "Junction",
    "Road",
    "Halt",
    "Hbf",
]
SYLLABLES = ["ka", "lo", "mi", "ra", "zu", "pe", "ta", "vi", "no", "sa", "ri", "do", "ge", "bu", "fa", "he"]
# What passengers type: a common short prefix, common words, a few words of one name, a rare
# word, a word that begins many others, and nothing at all.
QUERIES = ["s", "ce", "central", "gare de", "saint ka", "kalo", "kalomi nord", "zuzu", "ta", "qqq"]


def station_names(count: int, rng: random.Random) -> list[str]:
    """Return `count` station names of one to four words, some of them repeated words."""
    vocabulary = sorted(
        {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))).capitalize() for _ in range(20_000)}
    )
    names = []
    for _ in range(count):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            words.insert(rng.randint(0, len(words)), rng.choice(COMMON_WORDS))
        names.append("-".join(words) if rng.random() < 0.2 else " ".join(words))
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.station_search", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--stations", type=int, default=100_000, help="stations to generate (default 100000)")
    parser.add_argument("--repeats", type=int, default=50, help="runs of each query (default 50)")
    parser.add_argument("--limit", type=int, default=20, help="rows of a page (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)

    from bench.seed import bench_environment_setdefault

    bench_environment_setdefault()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from railway.db.statistics import statistics_refresh
    from trains.models import Station, StationWord, station_key, station_words
    from trains.selectors import stations_find

    call_command("migrate", verbosity=0)
    generated = Station.objects.filter(code__startswith=CODE_PREFIX)

    def generated_delete() -> None:
        # Their words first, in one statement: nothing refers to a word.
        StationWord.objects.filter(station__in=generated).delete()
        generated.delete()

    generated_delete()
    names = station_names(args.stations, random.Random(args.seed))
    started = time.perf_counter()
    with transaction.atomic():
        stations = Station.objects.bulk_create(
            (
                Station(code=f"{CODE_PREFIX}{number:07d}", name=name, key=station_key(name))
                for number, name in enumerate(names, start=1)
            ),
            batch_size=5_000,
        )
        StationWord.objects.bulk_create(
            (
                StationWord(station=station, word=word)
                for station in stations
                for word in station_words(station.name)
            ),
            batch_size=5_000,
        )
    if connection.vendor == "postgresql":
        # Vacuumed as autovacuum would have done by then, so that the words' index alone
        # answers (an index-only scan needs the pages marked all-visible), and analysed.
        with connection.cursor() as cursor:
            for model in (Station, StationWord):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    else:
        statistics_refresh(Station, StationWord)
    words = StationWord.objects.count()
    print(
        f"{connection.vendor}: {len(stations):,} stations, {words:,} name words written in "
        f"{time.perf_counter() - started:.1f} s"
    )
    try:
        for query in QUERIES:
            query_words = station_words(query)
            times = []
            for _ in range(args.repeats):
                began = time.perf_counter()
                page = stations_find(words=query_words, limit=args.limit)
                times.append(time.perf_counter() - began)
            print(
                f"{query!r:>16}: median {statistics.median(times) * 1000:6.2f} ms, "
                f"worst {max(times) * 1000:6.2f} ms, {len(page.stations)} rows"
                f"{', more follow' if page.next_after else ''}"
            )
    finally:
        generated_delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
