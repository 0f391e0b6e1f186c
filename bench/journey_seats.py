"""The benchmark's own seat allocator: a journey's seats in memory, for seeding sold seats quickly.

Not the engine: it only has to hand out valid seats that never overlap, fast enough to seed a
network or a hot journey 70% sold in seconds. Each seat is chosen by the engine's rule for one
seat (the free stretch covering the segment with the fewest legs, then the lowest seat number),
so that one-seat sales leave the free stretches the engine would have left; a group simply takes
that many seats one after the other, apart when they fall apart (the engine seats a group
together when it can). The free stretches to write are computed from the seats sold with
bookings.allocation.free_stretches.
"""

import heapq

from bookings.allocation import free_stretches


class JourneySeats:
    """The free stretches of one journey's seats, and the seats sold on it so far."""

    def __init__(self, *, total_seats: int, leg_count: int) -> None:
        self.total_seats, self.leg_count = total_seats, leg_count
        # Seats never sold are free over the whole route and are the highest numbers: once sold,
        # a seat has no whole-route stretch again (nothing is cancelled here).
        self.first_unsold = 1
        # Other stretches, by (from_position, to_position): their seats, and a heap of them
        # whose entries may be stale (checked against the set when read).
        self.free: dict[tuple[int, int], set[int]] = {}
        self.lowest: dict[tuple[int, int], list[int]] = {}
        self.sold: dict[int, list[tuple[int, int]]] = {}
        self.sold_per_leg = [0] * leg_count

    def seats_free(self, *, from_position: int, to_position: int) -> int:
        """Return how many seats are free on every leg of the segment."""
        unsold = self.total_seats - self.first_unsold + 1
        return unsold + sum(
            len(self.free.get(stretch, ()))
            for stretch in self._covering(from_position=from_position, to_position=to_position)
            if stretch != (0, self.leg_count)
        )

    def sell(self, *, from_position: int, to_position: int, count: int) -> list[int] | None:
        """Sell `count` seats on the segment and return their numbers, or None when too few are free."""
        if self.seats_free(from_position=from_position, to_position=to_position) < count:
            return None
        return [self._sell_one(from_position=from_position, to_position=to_position) for _ in range(count)]

    def free_stretches(self) -> list[tuple[int, int, int]]:
        """Return every free stretch of the journey as (seat, from, to), seat by seat."""
        return [
            (seat, first, last)
            for seat in range(1, self.total_seats + 1)
            for first, last in free_stretches(sold=self.sold.get(seat, ()), leg_count=self.leg_count)
        ]

    def busiest_leg_sold(self) -> int:
        return max(self.sold_per_leg, default=0)

    def _covering(self, *, from_position: int, to_position: int) -> list[tuple[int, int]]:
        """Return the stretches that cover the segment, fewest legs first."""
        return [
            (first, first + length)
            for length in range(to_position - from_position, self.leg_count + 1)
            for first in range(max(0, to_position - length), min(from_position, self.leg_count - length) + 1)
        ]

    def _lowest_seat(self, stretch: tuple[int, int]) -> int | None:
        if stretch == (0, self.leg_count):
            return self.first_unsold if self.first_unsold <= self.total_seats else None
        heap, seats = self.lowest.get(stretch), self.free.get(stretch)
        while heap and heap[0] not in seats:  # type: ignore[operator]
            heapq.heappop(heap)
        return heap[0] if heap else None

    def _sell_one(self, *, from_position: int, to_position: int) -> int:
        best: tuple[int, int, tuple[int, int]] | None = None  # (length, seat, stretch)
        for stretch in self._covering(from_position=from_position, to_position=to_position):
            length = stretch[1] - stretch[0]
            if best is not None and length > best[0]:
                break
            seat = self._lowest_seat(stretch)
            if seat is not None and (best is None or (length, seat) < best[:2]):
                best = (length, seat, stretch)
        assert best is not None, "seats_free said a seat was free"
        _, seat, (first, last) = best
        if (first, last) == (0, self.leg_count):
            self.first_unsold += 1
        else:
            self.free[(first, last)].discard(seat)
        for piece in ((first, from_position), (to_position, last)):
            if piece[0] < piece[1]:
                self.free.setdefault(piece, set()).add(seat)
                heapq.heappush(self.lowest.setdefault(piece, []), seat)
        self.sold.setdefault(seat, []).append((from_position, to_position))
        for leg in range(from_position, to_position):
            self.sold_per_leg[leg] += 1
        return seat
