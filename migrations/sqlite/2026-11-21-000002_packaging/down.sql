DROP TABLE consultations;
DROP TABLE checklist_events;
DROP TABLE package_specimens;
DROP TABLE packages;
