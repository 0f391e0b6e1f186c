"""A small seeded run of the utilisation simulation: our seat choice against the best possible."""

import pytest

from bench.utilisation import MIXED_TRAINS, first_fit, ours, ours_in_coaches, simulate, simulate_classes


@pytest.mark.parametrize("demand", ["uniform", "short"])
def test_our_policy_sells_at_least_99_percent_of_the_bound_and_no_less_than_first_fit(demand: str):
    """On this short seeded case our policy sells 99.2% (uniform) and 99.6% (short) of the bound.

    It does not reach 99% everywhere: 40 stops / 200 seats with uniform demand stays near 98.7%
    under the adjacency contract (docs/seat-utilisation.md), too slow a case for this suite.
    """
    result = simulate(
        stops=20,
        seats=100,
        demand=demand,
        offered_load=1.75,
        trials=5,
        seed=3,
        policies={"ours": ours, "first-fit": first_fit},
        with_offline=False,
    )
    policies = result["policies"]
    assert policies["ours"]["utilisation_median"] >= 0.99
    assert policies["ours"]["seat_legs_median"] >= policies["first-fit"]["seat_legs_median"]


@pytest.mark.parametrize("demand", ["uniform", "short"])
@pytest.mark.parametrize("train", sorted(MIXED_TRAINS))
def test_our_policy_sells_at_least_99_percent_of_the_bound_of_each_class_on_trains_of_several_classes(
    train: str, demand: str
):
    """Each booking takes seats of its class only, groups sit within one coach: against the sum
    of each class's bound, our policy sells 99.1% to 99.7% on these seeded cases."""
    result = simulate_classes(
        stops=20,
        coaches=MIXED_TRAINS[train],
        demand=demand,
        offered_load=1.75,
        trials=3,
        seed=3,
        policies={"ours": ours_in_coaches},
    )
    assert result["policies"]["ours"]["utilisation_median"] >= 0.99
