"""Reads on the network."""

from trains.models import Station, Stop, Train


def train_route_stations(*, train: Train) -> list[Station]:
    """Return the stations of the train's route, origin first."""
    return [
        stop.station
        for stop in Stop.objects.filter(train=train).select_related("station").order_by("position")
    ]


def train_route(*, train: Train) -> list[str]:
    """Return the station names of the train's route, origin first."""
    return [station.name for station in train_route_stations(train=train)]
