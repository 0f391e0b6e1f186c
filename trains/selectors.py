"""Reads on the network."""

from trains.models import Stop, Train


def train_route(*, train: Train) -> list[str]:
    """Return the station names of the train's route, origin first."""
    return list(Stop.objects.filter(train=train).order_by("position").values_list("station__name", flat=True))
