"""GTFS feeds for the tests: the specification's sample, a small railway, the smallest valid feed.

`write_feed()` writes one, or a variant of one, as a folder or a .zip file, for the reader
(trains.gtfs) and the import command to read.
"""

import textwrap
import zipfile
from pathlib import Path

Files = dict[str, str | bytes | None]


def write_feed(directory: Path, files: Files, form: str = "folder") -> Path:
    """Write the files (text is dedented; None leaves a file out) as a folder or a .zip; return its path."""
    contents = {
        name: text if isinstance(text, bytes) else textwrap.dedent(text).lstrip("\n").encode()
        for name, text in files.items()
        if text is not None
    }
    if form == "zip":
        path = directory / "feed.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in contents.items():
                archive.writestr(name, data)
        return path
    path = directory / "feed"
    path.mkdir()
    for name, data in contents.items():
        (path / name).write_bytes(data)
    return path


# The sample feed of the GTFS specification (gtfs.org, "Example feed"), with its H:MM:SS times,
# rows shorter than their header, and files the reader has no use for.
SAMPLE_FEED: Files = {
    "agency.txt": """
        agency_id,agency_name,agency_url,agency_timezone
        DTA,Demo Transit Authority,http://google.com,America/Los_Angeles
    """,
    "stops.txt": """
        stop_id,stop_name,stop_desc,stop_lat,stop_lon,zone_id,stop_url
        FUR_CREEK_RES,Furnace Creek Resort (Demo),,36.425288,-117.133162,,
        BEATTY_AIRPORT,Nye County Airport (Demo),,36.868446,-116.784582,,
        BULLFROG,Bullfrog (Demo),,36.88108,-116.81797,,
        STAGECOACH,Stagecoach Hotel & Casino (Demo),,36.915682,-116.751677,,
        NADAV,North Ave / D Ave N (Demo),,36.914893,-116.76821,,
        NANAA,North Ave / N A Ave (Demo),,36.914944,-116.761472,,
        DADAN,Doing Ave / D Ave N (Demo),,36.909489,-116.768242,,
        EMSI,E Main St / S Irving St (Demo),,36.905697,-116.76218,,
        AMV,Amargosa Valley (Demo),,36.641496,-116.40094,,
    """,
    "routes.txt": """
        route_id,agency_id,route_short_name,route_long_name,route_desc,route_type,route_url,route_color,route_text_color
        AB,DTA,10,Airport - Bullfrog,,3,,,
        BFC,DTA,20,Bullfrog - Furnace Creek Resort,,3,,,
        STBA,DTA,30,Stagecoach - Airport Shuttle,,3,,,
        CITY,DTA,40,City,,3,,,
        AAMV,DTA,50,Airport - Amargosa Valley,,3,,,
    """,
    "trips.txt": """
        route_id,service_id,trip_id,trip_headsign,direction_id,block_id,shape_id
        AB,FULLW,AB1,to Bullfrog,0,1,
        AB,FULLW,AB2,to Airport,1,2,
        STBA,FULLW,STBA,Shuttle,,,
        CITY,FULLW,CITY1,,0,,
        CITY,FULLW,CITY2,,1,,
        BFC,FULLW,BFC1,to Furnace Creek Resort,0,1,
        BFC,FULLW,BFC2,to Bullfrog,1,2,
        AAMV,WE,AAMV1,to Amargosa Valley,0,,
        AAMV,WE,AAMV2,to Airport,1,,
        AAMV,WE,AAMV3,to Amargosa Valley,0,,
        AAMV,WE,AAMV4,to Airport,1,,
    """,
    "stop_times.txt": """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,pickup_type,drop_off_time,shape_dist_traveled
        STBA,6:00:00,6:00:00,STAGECOACH,1,,,,
        STBA,6:20:00,6:20:00,BEATTY_AIRPORT,2,,,,
        CITY1,6:00:00,6:00:00,STAGECOACH,1,,,,
        CITY1,6:05:00,6:07:00,NANAA,2,,,,
        CITY1,6:12:00,6:14:00,NADAV,3,,,,
        CITY1,6:19:00,6:21:00,DADAN,4,,,,
        CITY1,6:26:00,6:28:00,EMSI,5,,,,
        CITY2,6:28:00,6:28:00,EMSI,1,,,,
        CITY2,6:35:00,6:37:00,DADAN,2,,,,
        CITY2,6:42:00,6:44:00,NADAV,3,,,,
        CITY2,6:49:00,6:51:00,NANAA,4,,,,
        CITY2,6:56:00,6:58:00,STAGECOACH,5,,,,
        AB1,8:00:00,8:00:00,BEATTY_AIRPORT,1,,,,
        AB1,8:10:00,8:15:00,BULLFROG,2,,,,
        AB2,12:05:00,12:05:00,BULLFROG,1,,,,
        AB2,12:15:00,12:15:00,BEATTY_AIRPORT,2
        BFC1,8:20:00,8:20:00,BULLFROG,1
        BFC1,9:20:00,9:20:00,FUR_CREEK_RES,2
        BFC2,11:00:00,11:00:00,FUR_CREEK_RES,1
        BFC2,12:00:00,12:00:00,BULLFROG,2
        AAMV1,8:00:00,8:00:00,BEATTY_AIRPORT,1
        AAMV1,9:00:00,9:00:00,AMV,2
        AAMV2,10:00:00,10:00:00,AMV,1
        AAMV2,11:00:00,11:00:00,BEATTY_AIRPORT,2
        AAMV3,13:00:00,13:00:00,BEATTY_AIRPORT,1
        AAMV3,14:00:00,14:00:00,AMV,2
        AAMV4,15:00:00,15:00:00,AMV,1
        AAMV4,16:00:00,16:00:00,BEATTY_AIRPORT,2
    """,
    "calendar.txt": """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        FULLW,1,1,1,1,1,1,1,20070101,20101231
        WE,0,0,0,0,0,1,1,20070101,20101231
    """,
    "calendar_dates.txt": """
        service_id,date,exception_type
        FULLW,20070604,2
    """,
    "frequencies.txt": """
        trip_id,start_time,end_time,headway_secs
        STBA,6:00:00,22:00:00,1800
    """,
}

# A railway in the shapes of the specification's stops.txt and stop_times.txt examples: a station
# with platforms, an entrance, a node and a boarding area; a platform listed before its station;
# stops with one time or none (timepoint=0); stop_sequence with gaps and rows out of order; a
# night train past 24:00:00; weekly days with removed and added dates, and a service of dates only.
RAIL_FEED: Files = {
    "stops.txt": """
        stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,platform_code
        CEN,Central,52.3791,4.9003,1,,
        CEN_1,Central platform 1,52.3790,4.9001,0,CEN,1
        CEN_2,Central platform 2,52.3791,4.9002,0,CEN,2
        CEN_E,Central main entrance,52.3788,4.9000,2,CEN,
        CEN_N,Central concourse,52.3789,4.9001,3,CEN,
        CEN_1B,Central platform 1 sector B,52.3790,4.9002,4,CEN_1,
        HAR,Harbour,52.3850,4.8900,,,
        MID,Midfield,52.4000,4.9500,0,,
        NOR_3,North platform 3,52.4500,5.0000,0,NOR,3
        NOR,North,52.4500,5.0000,1,,
    """,
    "routes.txt": """
        route_id,agency_id,route_short_name,route_long_name,route_type
        IC,RAIL,IC,Intercity Central - North,2
        NT,RAIL,NT,,2
    """,
    "trips.txt": """
        route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id
        IC,WEEKDAYS,IC_101,North,101,0
        IC,WEEKDAYS,IC_102,Central,102,1
        NT,NIGHTS,NT_1,North,Night 1,0
    """,
    "stop_times.txt": """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint
        IC_101,07:58:00,08:00:00,CEN_1,1,1
        IC_101,,08:20:00,HAR,2,0
        IC_101,,,MID,5,0
        IC_101,09:00:00,09:05:00,NOR_3,10,1
        IC_102,10:30:00,10:30:00,CEN_1,30,1
        IC_102,10:00:00,10:00:00,NOR_3,10,1
        IC_102,10:15:00,10:16:00,HAR,20,1
        NT_1,23:50:00,23:50:00,CEN_2,1,1
        NT_1,24:40:00,24:42:00,MID,2,1
        NT_1,25:35:00,25:35:00,NOR,3,1
    """,
    "calendar.txt": """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        WEEKDAYS,1,1,1,1,1,0,0,20250106,20250627
    """,
    "calendar_dates.txt": """
        service_id,date,exception_type
        WEEKDAYS,20250421,2
        WEEKDAYS,20250628,1
        NIGHTS,20250103,1
        NIGHTS,20250110,1
    """,
}

# The smallest valid feed; the error tests each break one thing in it.
MINIMAL_FEED: Files = {
    "stops.txt": """
        stop_id,stop_name
        A,Alpha
        B,Beta
        C,Gamma
    """,
    "routes.txt": """
        route_id,route_long_name
        R,Coast Line
    """,
    "trips.txt": """
        route_id,service_id,trip_id
        R,DAILY,T1
    """,
    "stop_times.txt": """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        T1,08:00:00,08:00:00,A,1
        T1,08:30:00,08:32:00,B,2
        T1,09:00:00,09:00:00,C,3
    """,
    "calendar.txt": """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        DAILY,1,1,1,1,1,1,1,20250101,20251231
    """,
}


def minimal_with(changes: Files) -> Files:
    """Return the smallest valid feed with these files replaced, added or (None) left out."""
    return {**MINIMAL_FEED, **changes}


# One good trip, T1, among trips each wrong in a way of its own, for reading with skip_invalid.
MIXED_FEED: Files = minimal_with(
    {
        "trips.txt": """
            route_id,service_id,trip_id,trip_short_name
            R,DAILY,T1,11
            R,DAILY,BACKWARDS,12
            R,DAILY,BAD_TIME,13
            R,DAILY,ONE_STOP,14
            R,DAILY,NO_STOP,15
            R,NEVER,NO_SERVICE,16
            X,DAILY,NO_ROUTE,17
            R,DAILY,BAD_HEADWAY,18
        """,
        "stop_times.txt": """
            trip_id,arrival_time,departure_time,stop_id,stop_sequence
            T1,08:00:00,08:00:00,A,1
            T1,09:00:00,09:00:00,B,2
            BACKWARDS,10:00:00,10:00:00,A,1
            BACKWARDS,09:30:00,09:30:00,B,2
            BAD_TIME,30:65:00,30:65:00,A,1
            BAD_TIME,31:00:00,31:00:00,B,2
            ONE_STOP,08:00:00,08:00:00,A,1
            NO_STOP,08:00:00,08:00:00,A,1
            NO_STOP,09:00:00,09:00:00,Z,2
            NO_SERVICE,08:00:00,08:00:00,A,1
            NO_SERVICE,09:00:00,09:00:00,B,2
            NO_ROUTE,08:00:00,08:00:00,A,1
            NO_ROUTE,09:00:00,09:00:00,B,2
            BAD_HEADWAY,08:00:00,08:00:00,A,1
            BAD_HEADWAY,09:00:00,09:00:00,B,2
            GHOST,08:00:00,08:00:00,A,1
        """,
        "frequencies.txt": """
            trip_id,start_time,end_time,headway_secs
            BAD_HEADWAY,07:00:00,08:00:00,0
        """,
    }
)
