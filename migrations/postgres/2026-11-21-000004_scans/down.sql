DROP INDEX scans_unprocessed;
DROP INDEX scans_station;
DROP TABLE scans;
