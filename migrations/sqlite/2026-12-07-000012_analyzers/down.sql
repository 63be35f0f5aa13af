DROP TABLE analyzer_results;
DROP TABLE analyzer_messages;
