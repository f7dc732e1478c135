"""What both systems look like: schema snapshots of FO data entities and Dataverse tables
(`snapshot.py`), read from OData CSDL (`csdl.py`) or Common Data Model documents (`cdm.py`),
merged per table (`merge.py`) and found by the names templates use (`index.py`)."""
