"""Simulate random segment demand on long routes and compare seat allocation policies.

Each policy sells concrete seats to the same online stream of requests; its seat-legs sold
are compared with the interval-colouring bound: the per-leg counter that accepts a request
iff every leg of it still has room (what a perfect seat assignment would sell on that stream).
Run `python -m bench.utilisation --help`; docs/seat-utilisation.md explains the method.
"""

import argparse
import heapq
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bookings.allocation import Candidate, choose_seats, coach_of, party_seats, preferences_met
from trains.seat_numbers import coach_seat_ranges
from trains.seat_positions import LAYOUT_POSITIONS, seat_position

DEFAULT_SHAPES = ((20, 100), (8, 50), (40, 200))
GROUP_SIZES = (1, 2, 3, 4)
GROUP_WEIGHTS = (0.55, 0.25, 0.1, 0.1)


@dataclass(frozen=True)
class BookingRequest:
    """One passenger request: `seats` seats from stop `start` to stop `end`."""

    start: int
    end: int
    seats: int
    # On a train of several classes: the class booked, and each passenger's wished position.
    travel_class: str = ""
    preferences: tuple[str | None, ...] = ()

    @property
    def seat_legs(self) -> int:
        return (self.end - self.start) * self.seats


# A policy gets a train's occupancy (seat -> mask of sold legs) and a request and returns the
# seats to sell, or None when it cannot.
Policy = Callable[[Mapping[int, int], int, int, BookingRequest, random.Random], list[int] | None]


def segment_mask(from_position: int, to_position: int) -> int:
    """Return the mask of the legs ridden from stop `from_position` to stop `to_position`."""
    return ((1 << to_position) - 1) ^ ((1 << from_position) - 1)


def free_seats(*, occupied: Mapping[int, int], total_seats: int, wanted: int) -> list[int]:
    """Return, in order, the seat numbers free on every leg of the `wanted` mask."""
    return [seat for seat in range(1, total_seats + 1) if not occupied.get(seat, 0) & wanted]


def draw_segment(rng: random.Random, leg_count: int, demand: str) -> tuple[int, int]:
    """Draw a segment: uniform over all stop pairs, or with length weighted by 1/length."""
    if demand == "uniform":
        start, end = sorted(rng.sample(range(leg_count + 1), 2))
        return start, end
    length = rng.choices(range(1, leg_count + 1), weights=[1 / n for n in range(1, leg_count + 1)])[0]
    start = rng.randrange(leg_count - length + 1)
    return start, start + length


def request_stream(
    rng: random.Random, *, stops: int, seats: int, demand: str, offered_load: float
) -> list[BookingRequest]:
    """Return random requests until their seat-legs reach `offered_load` times the train's."""
    leg_count = stops - 1
    target = offered_load * seats * leg_count
    stream: list[BookingRequest] = []
    offered = 0
    while offered < target:
        start, end = draw_segment(rng, leg_count, demand)
        request = BookingRequest(start, end, rng.choices(GROUP_SIZES, weights=GROUP_WEIGHTS)[0])
        stream.append(request)
        offered += request.seat_legs
    return stream


def counter_bound(stream: list[BookingRequest], *, seats: int, leg_count: int) -> int:
    """Return the seat-legs a per-leg counter sells: accept iff load + k <= seats on every leg."""
    load = [0] * leg_count
    sold = 0
    for request in stream:
        legs = range(request.start, request.end)
        if all(load[leg] + request.seats <= seats for leg in legs):
            for leg in legs:
                load[leg] += request.seats
            sold += request.seat_legs
    return sold


def offline_bound(stream: list[BookingRequest], *, seats: int, leg_count: int) -> int:
    """Return the most seat-legs any offline choice could sell if groups could be split.

    Maximum-weight selection of intervals with per-leg capacity `seats`, as a min-cost flow:
    `seats` units go from stop 0 to the last stop, along the leg arcs (cost 0) or along a
    request's arc (capacity: its seat count; cost: minus its length). The arc matrix is an
    interval matrix, so the flow is integral. Splitting groups only relaxes the real problem,
    so this is an upper bound on every policy, online or not.
    """
    # Arc list: [head, capacity, cost, index of reverse arc]; nodes are stops.
    graph: list[list[list[int]]] = [[] for _ in range(leg_count + 1)]

    def add_arc(tail: int, head: int, capacity: int, cost: int) -> None:
        graph[tail].append([head, capacity, cost, len(graph[head])])
        graph[head].append([tail, 0, -cost, len(graph[tail]) - 1])

    for leg in range(leg_count):
        add_arc(leg, leg + 1, seats, 0)
    for request in stream:
        add_arc(request.start, request.end, request.seats, -(request.end - request.start))

    # Every arc points forward, so the initial potentials are shortest paths in a DAG.
    potential = [0] * (leg_count + 1)
    for node in range(leg_count + 1):
        for head, _capacity, cost, _ in graph[node]:
            if head > node:
                potential[head] = min(potential[head], potential[node] + cost)
    remaining, total_cost, sink = seats, 0, leg_count
    while remaining:
        distance = [None] * (leg_count + 1)
        via: list[tuple[int, int] | None] = [None] * (leg_count + 1)
        distance[0] = 0
        queue = [(0, 0)]
        while queue:
            dist, node = heapq.heappop(queue)
            if dist > distance[node]:
                continue
            for index, (head, capacity, cost, _) in enumerate(graph[node]):
                reduced = dist + cost + potential[node] - potential[head]
                if capacity and (distance[head] is None or reduced < distance[head]):
                    distance[head] = reduced
                    via[head] = (node, index)
                    heapq.heappush(queue, (reduced, head))
        for node in range(leg_count + 1):
            if distance[node] is not None:
                potential[node] += distance[node]
        push, node = remaining, sink
        while node:
            tail, index = via[node]
            push = min(push, graph[tail][index][1])
            node = tail
        node = sink
        while node:
            tail, index = via[node]
            arc = graph[tail][index]
            arc[1] -= push
            graph[node][arc[3]][1] += push
            total_cost += push * arc[2]
            node = tail
        remaining -= push
    return -total_cost


def ours(occupied, total_seats, leg_count, request, rng):
    """The engine's seat rule (bookings.allocation), given every candidate at once."""
    free = free_seats(
        occupied=occupied, total_seats=total_seats, wanted=segment_mask(request.start, request.end)
    )
    candidates = []
    for seat in free:
        left, right = stranded(occupied.get(seat, 0), request, leg_count)
        candidates.append(Candidate(seat, request.start - left, request.end + right))
    candidates.sort(key=lambda candidate: (candidate.length, candidate.seat_number))
    chosen = choose_seats(tightest=candidates, neighbours={}, count=request.seats, complete=True)
    return None if chosen is None else [candidate.seat_number for candidate in chosen]


def first_fit(occupied, total_seats, leg_count, request, rng):
    free = free_seats(
        occupied=occupied, total_seats=total_seats, wanted=segment_mask(request.start, request.end)
    )
    return free[: request.seats] if len(free) >= request.seats else None


def random_free(occupied, total_seats, leg_count, request, rng):
    free = free_seats(
        occupied=occupied, total_seats=total_seats, wanted=segment_mask(request.start, request.end)
    )
    return rng.sample(free, request.seats) if len(free) >= request.seats else None


def stranded(mask: int, request: BookingRequest, leg_count: int) -> tuple[int, int]:
    """Return the free legs a seat would leave directly before and after the segment."""
    left = 0
    while request.start - left - 1 >= 0 and not mask >> (request.start - left - 1) & 1:
        left += 1
    right = 0
    while request.end + right < leg_count and not mask >> (request.end + right) & 1:
        right += 1
    return left, right


def scored(score: Callable[[int, int, int, BookingRequest, int], float]) -> Policy:
    """Return a policy of our shape: the run of k free seats with the least total score, else
    the k best-scoring seats; `score(left, right, mask, request, leg_count)` for one seat."""

    def policy(occupied, total_seats, leg_count, request, rng):
        free = free_seats(
            occupied=occupied, total_seats=total_seats, wanted=segment_mask(request.start, request.end)
        )
        if len(free) < request.seats:
            return None
        fit = {}
        for seat in free:
            mask = occupied.get(seat, 0)
            fit[seat] = score(*stranded(mask, request, leg_count), mask, request, leg_count)
        free_set = set(free)
        runs = [
            (sum(fit[first + offset] for offset in range(request.seats)), first)
            for first in free
            if all(first + offset in free_set for offset in range(request.seats))
        ]
        if runs:
            first = min(runs)[1]
            return list(range(first, first + request.seats))
        return sorted(sorted(free, key=lambda seat: (fit[seat], seat))[: request.seats])

    return policy


def groups_apart_allowance(occupied, total_seats, leg_count, request, rng):
    """Our policy as it was briefly: a group sits apart, on its `k` tightest seats, when its
    best run strands more than `leg_count // 4` legs beyond them. Breaks the adjacency
    contract; kept to measure what the contract costs."""
    free = free_seats(
        occupied=occupied, total_seats=total_seats, wanted=segment_mask(request.start, request.end)
    )
    chosen = ours(occupied, total_seats, leg_count, request, rng)
    if chosen is None or request.seats == 1:
        return chosen
    fit = {seat: sum(stranded(occupied.get(seat, 0), request, leg_count)) for seat in free}
    tightest = sorted(free, key=lambda seat: (fit[seat], seat))[: request.seats]
    run_is_adjacent = max(chosen) - min(chosen) + 1 == request.seats
    if run_is_adjacent and sum(map(fit.get, chosen)) <= sum(map(fit.get, tightest)) + leg_count // 4:
        return chosen
    return sorted(tightest)


POLICIES: dict[str, Policy] = {
    "ours": ours,
    "first-fit": first_fit,
    "random": random_free,
    "worst-fit": scored(lambda left, right, mask, request, leg_count: -(left + right)),
    "before: strict runs": scored(lambda left, right, mask, request, leg_count: left + right),
    "alt: groups apart": groups_apart_allowance,
}


def sell(
    policy: Policy, stream: list[BookingRequest], *, seats: int, leg_count: int, seed: int
) -> tuple[int, float]:
    """Return the seat-legs `policy` sells on `stream` and the share of groups it seats apart,
    checking every seat it hands out."""
    rng = random.Random(seed)
    occupied: dict[int, int] = {}
    sold, groups, apart = 0, 0, 0
    for request in stream:
        chosen = policy(occupied, seats, leg_count, request, rng)
        if chosen is None:
            continue
        wanted = segment_mask(request.start, request.end)
        assert len(set(chosen)) == request.seats
        for seat in chosen:
            assert 1 <= seat <= seats and not occupied.get(seat, 0) & wanted
            occupied[seat] = occupied.get(seat, 0) | wanted
        sold += request.seat_legs
        if request.seats > 1:
            groups += 1
            apart += max(chosen) - min(chosen) + 1 != request.seats
    return sold, apart / groups if groups else 0.0


def simulate(
    *,
    stops: int,
    seats: int,
    demand: str,
    offered_load: float,
    trials: int,
    seed: int,
    policies: Mapping[str, Policy],
    with_offline: bool = True,
) -> dict:
    """Run `trials` seeded streams on one train shape and return per-policy medians."""
    leg_count = stops - 1
    utilisation: dict[str, list[float]] = {name: [] for name in policies}
    sold: dict[str, list[int]] = {name: [] for name in policies}
    apart: dict[str, list[float]] = {name: [] for name in policies}
    bounds, offline = [], []
    for trial in range(trials):
        # A string seed is hashed with SHA-512, so it does not depend on PYTHONHASHSEED.
        trial_seed = random.Random(f"{seed}/{stops}/{seats}/{demand}/{trial}").getrandbits(32)
        stream = request_stream(
            random.Random(trial_seed), stops=stops, seats=seats, demand=demand, offered_load=offered_load
        )
        bound = counter_bound(stream, seats=seats, leg_count=leg_count)
        bounds.append(bound)
        if with_offline:
            offline.append(offline_bound(stream, seats=seats, leg_count=leg_count))
        for name, policy in policies.items():
            legs, groups_apart = sell(policy, stream, seats=seats, leg_count=leg_count, seed=trial_seed)
            sold[name].append(legs)
            apart[name].append(groups_apart)
            utilisation[name].append(legs / bound)
    return {
        "stops": stops,
        "seats": seats,
        "demand": demand,
        "offered_load": offered_load,
        "trials": trials,
        "capacity_seat_legs": seats * leg_count,
        "bound_seat_legs_median": statistics.median(bounds),
        "offline_seat_legs_median": statistics.median(offline) if offline else None,
        "policies": {
            name: {
                "seat_legs_median": statistics.median(sold[name]),
                "utilisation_median": statistics.median(utilisation[name]),
                "utilisation_min": min(utilisation[name]),
                "groups_apart_median": statistics.median(apart[name]),
                "offline_ratio_median": (
                    statistics.median(s / o for s, o in zip(sold[name], offline, strict=True))
                    if offline
                    else None
                ),
            }
            for name in policies
        },
    }


@dataclass(frozen=True)
class CoachPlan:
    """One coach of a simulated train: its class, its seat count and its layout."""

    travel_class: str
    seats: int
    layout: str


# Trains of several classes, with coaches of different sizes and layouts.
MIXED_TRAINS: dict[str, tuple[CoachPlan, ...]] = {
    "sleeper": (
        CoachPlan("1A", 24, "berths-4"),
        CoachPlan("2A", 48, "berths-6"),
        CoachPlan("2A", 48, "berths-6"),
        CoachPlan("SL", 72, "berths-8"),
        CoachPlan("SL", 72, "berths-8"),
        CoachPlan("SL", 72, "berths-8"),
    ),
    "chair car": (
        CoachPlan("EC", 56, "seats-2x2"),
        CoachPlan("CC", 78, "seats-3x2"),
        CoachPlan("CC", 78, "seats-3x2"),
    ),
}
# Each passenger of a request on a mixed train wishes for a position with this chance.
WISH_SHARE = 0.5


@dataclass(frozen=True)
class TrainSeats:
    """Where a mixed train's seats are: each class's numbers, its coaches' first seats, its positions."""

    classes: dict[str, list[int]]
    coach_starts: list[int]
    positions: dict[int, str]

    @classmethod
    def of(cls, coaches: Sequence[CoachPlan]) -> "TrainSeats":
        ranges = coach_seat_ranges(coach_seats=[coach.seats for coach in coaches])
        classes: dict[str, list[int]] = {}
        positions: dict[int, str] = {}
        for coach, (first, last) in zip(coaches, ranges, strict=True):
            classes.setdefault(coach.travel_class, []).extend(range(first, last + 1))
            for seat in range(first, last + 1):
                positions[seat] = seat_position(layout=coach.layout, seat_in_coach=seat - first + 1)
        return cls(classes=classes, coach_starts=[first for first, _ in ranges], positions=positions)


# A policy on a mixed train gets the occupancy, where the seats are and a request of one class.
ClassPolicy = Callable[[Mapping[int, int], TrainSeats, int, BookingRequest, random.Random], list[int] | None]


def class_request_stream(
    rng: random.Random, *, stops: int, coaches: Sequence[CoachPlan], demand: str, offered_load: float
) -> list[BookingRequest]:
    """Return random requests of random classes (weighted by their seats) until their seat-legs
    reach `offered_load` times the train's; each passenger wishes for a position of the class's
    layouts with chance `WISH_SHARE`."""
    leg_count = stops - 1
    class_seats: dict[str, int] = {}
    class_positions: dict[str, set[str]] = {}
    for coach in coaches:
        class_seats[coach.travel_class] = class_seats.get(coach.travel_class, 0) + coach.seats
        class_positions.setdefault(coach.travel_class, set()).update(LAYOUT_POSITIONS[coach.layout])
    names = sorted(class_seats)
    target = offered_load * sum(class_seats.values()) * leg_count
    stream: list[BookingRequest] = []
    offered = 0
    while offered < target:
        start, end = draw_segment(rng, leg_count, demand)
        travel_class = rng.choices(names, weights=[class_seats[name] for name in names])[0]
        count = rng.choices(GROUP_SIZES, weights=GROUP_WEIGHTS)[0]
        wishes = sorted(class_positions[travel_class])
        preferences = tuple(rng.choice(wishes) if rng.random() < WISH_SHARE else None for _ in range(count))
        request = BookingRequest(start, end, count, travel_class, preferences)
        stream.append(request)
        offered += request.seat_legs
    return stream


def class_candidates(
    occupied: Mapping[int, int], seats: TrainSeats, leg_count: int, request: BookingRequest
) -> list[Candidate]:
    """Return the candidates of the request's class, in the rule's order (fewest legs, then seat)."""
    wanted = segment_mask(request.start, request.end)
    candidates = []
    for seat in seats.classes[request.travel_class]:
        mask = occupied.get(seat, 0)
        if not mask & wanted:
            left, right = stranded(mask, request, leg_count)
            candidates.append(Candidate(seat, request.start - left, request.end + right))
    candidates.sort(key=lambda candidate: (candidate.length, candidate.seat_number))
    return candidates


def ours_in_coaches(occupied, seats: TrainSeats, leg_count, request, rng):
    """The engine's seat rule for a party with no wishes: choose_seats over the class's seats,
    runs within one coach."""
    candidates = class_candidates(occupied, seats, leg_count, request)
    chosen = choose_seats(
        tightest=candidates,
        neighbours={},
        count=request.seats,
        complete=True,
        coach_starts=seats.coach_starts,
    )
    return None if chosen is None else [candidate.seat_number for candidate in chosen]


def ours_with_wishes(occupied, seats: TrainSeats, leg_count, request, rng):
    """The engine's seat rule for a party with its wishes: party_seats over the class's seats."""
    chosen = party_seats(
        candidates=class_candidates(occupied, seats, leg_count, request),
        coach_starts=seats.coach_starts,
        preferences=request.preferences,
        position_of=seats.positions.__getitem__,
    )
    return None if chosen is None else [candidate.seat_number for candidate in chosen]


def first_fit_in_class(occupied, seats: TrainSeats, leg_count, request, rng):
    """The lowest free seat numbers of the request's class."""
    wanted = segment_mask(request.start, request.end)
    free = [seat for seat in seats.classes[request.travel_class] if not occupied.get(seat, 0) & wanted]
    return free[: request.seats] if len(free) >= request.seats else None


CLASS_POLICIES: dict[str, ClassPolicy] = {
    "ours": ours_in_coaches,
    "ours, with wishes": ours_with_wishes,
    "first-fit": first_fit_in_class,
}


@dataclass(frozen=True)
class ClassSales:
    """What a policy sold on a mixed train: seat-legs, and shares of sold groups not on consecutive
    seats (apart), not in one coach (across coaches), and of wishes met."""

    seat_legs: int
    apart: float
    across_coaches: float
    wishes_met: float


def sell_in_classes(
    policy: ClassPolicy, stream: list[BookingRequest], *, seats: TrainSeats, leg_count: int, seed: int
) -> ClassSales:
    """Sell `stream` with `policy`, checking every seat it hands out is of the class and free."""
    rng = random.Random(seed)
    occupied: dict[int, int] = {}
    of_class = {name: set(numbers) for name, numbers in seats.classes.items()}
    sold, groups, apart, across, wishes, met = 0, 0, 0, 0, 0, 0
    for request in stream:
        chosen = policy(occupied, seats, leg_count, request, rng)
        if chosen is None:
            continue
        wanted = segment_mask(request.start, request.end)
        assert len(set(chosen)) == request.seats
        for seat in chosen:
            assert seat in of_class[request.travel_class] and not occupied.get(seat, 0) & wanted
            occupied[seat] = occupied.get(seat, 0) | wanted
        sold += request.seat_legs
        if request.seats > 1:
            groups += 1
            apart += max(chosen) - min(chosen) + 1 != request.seats
            across += len({coach_of(seat, coach_starts=seats.coach_starts) for seat in chosen}) > 1
        answers = preferences_met(
            seats=[Candidate(seat, 0, 0) for seat in chosen],
            preferences=request.preferences,
            position_of=seats.positions.__getitem__,
        )
        wishes += sum(answer is not None for answer in answers)
        met += answers.count(True)
    return ClassSales(
        seat_legs=sold,
        apart=apart / groups if groups else 0.0,
        across_coaches=across / groups if groups else 0.0,
        wishes_met=met / wishes if wishes else 0.0,
    )


def simulate_classes(
    *,
    stops: int,
    coaches: Sequence[CoachPlan],
    demand: str,
    offered_load: float,
    trials: int,
    seed: int,
    policies: Mapping[str, ClassPolicy],
) -> dict:
    """Run `trials` seeded streams on a train of several classes and return per-policy medians.

    The bound is the sum over classes of each class's per-leg counter on that class's requests:
    a booking is sold in its class only, so no assignment of seats can do better.
    """
    leg_count = stops - 1
    seats = TrainSeats.of(coaches)
    name = "+".join(f"{coach.travel_class}:{coach.seats}" for coach in coaches)
    figures: dict[str, list[tuple[float, ClassSales]]] = {policy: [] for policy in policies}
    bounds = []
    for trial in range(trials):
        trial_seed = random.Random(f"{seed}/{stops}/{name}/{demand}/{trial}").getrandbits(32)
        stream = class_request_stream(
            random.Random(trial_seed), stops=stops, coaches=coaches, demand=demand, offered_load=offered_load
        )
        bound = sum(
            counter_bound(
                [request for request in stream if request.travel_class == travel_class],
                seats=len(numbers),
                leg_count=leg_count,
            )
            for travel_class, numbers in seats.classes.items()
        )
        bounds.append(bound)
        for policy_name, policy in policies.items():
            sales = sell_in_classes(policy, stream, seats=seats, leg_count=leg_count, seed=trial_seed)
            figures[policy_name].append((sales.seat_legs / bound, sales))
    return {
        "stops": stops,
        "coaches": [vars(coach) for coach in coaches],
        "demand": demand,
        "offered_load": offered_load,
        "trials": trials,
        "bound_seat_legs_median": statistics.median(bounds),
        "policies": {
            policy_name: {
                "seat_legs_median": statistics.median(sales.seat_legs for _, sales in runs),
                "utilisation_median": statistics.median(utilisation for utilisation, _ in runs),
                "utilisation_min": min(utilisation for utilisation, _ in runs),
                "groups_apart_median": statistics.median(sales.apart for _, sales in runs),
                "groups_across_coaches_median": statistics.median(sales.across_coaches for _, sales in runs),
                "wishes_met_median": statistics.median(sales.wishes_met for _, sales in runs),
            }
            for policy_name, runs in figures.items()
        },
    }


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, nargs="+", help="stops per route (pairs with --seats)")
    parser.add_argument("--seats", type=int, nargs="+", help="seats per train (pairs with --stops)")
    parser.add_argument("--demand", nargs="+", default=["uniform", "short"], choices=["uniform", "short"])
    parser.add_argument("--load", type=float, default=1.75, help="offered seat-legs / capacity")
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-offline", action="store_true", help="skip the min-cost-flow bound")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--classes",
        type=int,
        metavar="STOPS",
        help="run the trains of several classes instead, on routes of STOPS stops",
    )
    arguments = parser.parse_args(argv)
    if (arguments.stops is None) != (arguments.seats is None) or (
        arguments.stops and len(arguments.stops) != len(arguments.seats)
    ):
        parser.error("give --stops and --seats together, with as many values each")
    return arguments


def main_classes(arguments: argparse.Namespace) -> None:
    """Run and print the trains of several classes (`MIXED_TRAINS`)."""
    started = time.perf_counter()
    results = [
        (
            train,
            simulate_classes(
                stops=arguments.classes,
                coaches=coaches,
                demand=demand,
                offered_load=arguments.load,
                trials=arguments.trials,
                seed=arguments.seed,
                policies=CLASS_POLICIES,
            ),
        )
        for train, coaches in MIXED_TRAINS.items()
        for demand in arguments.demand
    ]
    header = f"{'train':<12}{'demand':<9}{'policy':<20}{'seat-legs':>10}{'bound':>8}{'util':>9}{'min':>9}"
    header += f"{'apart':>7}{'across':>8}{'wishes':>8}"
    print(header)
    for train, result in results:
        for name, figures in result["policies"].items():
            print(
                f"{train:<12}{result['demand']:<9}{name:<20}{figures['seat_legs_median']:>10.0f}"
                f"{result['bound_seat_legs_median']:>8.0f}{figures['utilisation_median']:>9.2%}"
                f"{figures['utilisation_min']:>9.2%}{figures['groups_apart_median']:>7.0%}"
                f"{figures['groups_across_coaches_median']:>8.0%}{figures['wishes_met_median']:>8.0%}"
            )
    elapsed = time.perf_counter() - started
    print(f"{arguments.trials} trials per row, seed {arguments.seed}, {elapsed:.1f} s", file=sys.stderr)
    if arguments.json:
        with open(arguments.json, "w") as output:
            json.dump(
                {"arguments": vars(arguments), "seconds": elapsed, "results": [r for _, r in results]},
                output,
                indent=2,
            )


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    if arguments.classes:
        main_classes(arguments)
        return
    shapes = list(zip(arguments.stops, arguments.seats, strict=True)) if arguments.stops else DEFAULT_SHAPES
    started = time.perf_counter()
    results = [
        simulate(
            stops=stops,
            seats=seats,
            demand=demand,
            offered_load=arguments.load,
            trials=arguments.trials,
            seed=arguments.seed,
            policies=POLICIES,
            with_offline=not arguments.no_offline,
        )
        for stops, seats in shapes
        for demand in arguments.demand
    ]
    header = f"{'shape':<20}{'demand':<9}{'policy':<20}{'seat-legs':>10}{'bound':>8}{'util':>9}{'min':>9}"
    header += f"{'offline':>9}{'of opt':>8}{'apart':>7}"
    print(header)
    for result in results:
        shape = f"{result['stops']} stops/{result['seats']} seats"
        offline_median = result["offline_seat_legs_median"]
        for name, figures in result["policies"].items():
            offline_ratio = figures["offline_ratio_median"]
            print(
                f"{shape:<20}{result['demand']:<9}{name:<20}{figures['seat_legs_median']:>10.0f}"
                f"{result['bound_seat_legs_median']:>8.0f}{figures['utilisation_median']:>9.2%}"
                f"{figures['utilisation_min']:>9.2%}"
                f"{'-' if offline_median is None else f'{offline_median:.0f}':>9}"
                f"{'-' if offline_ratio is None else f'{offline_ratio:.1%}':>8}"
                f"{figures['groups_apart_median']:>7.0%}"
            )
    elapsed = time.perf_counter() - started
    print(f"{arguments.trials} trials per row, seed {arguments.seed}, {elapsed:.1f} s", file=sys.stderr)
    if arguments.json:
        with open(arguments.json, "w") as output:
            json.dump(
                {"arguments": vars(arguments), "seconds": elapsed, "results": results}, output, indent=2
            )


if __name__ == "__main__":
    main()
