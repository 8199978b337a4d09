#pragma once

// Token test vectors shared by the token tests. Produced by
//   node server/test/data/make_token_vectors.cjs
// Node-format tokens come from the official `opentok` npm SDK (2.23.2) with its clock
// frozen at kCreate; Ruby- and Python-format tokens are built by that script per docs/protocol.md
// §2.2/§2.3/§3.1 and signed with node:crypto. Verify them with now = kCreate.

#include <cstdint>
#include <string_view>

namespace parley::core::test_vectors {

inline constexpr std::string_view kApiKey = "47665971";
inline constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef01234567";
inline constexpr std::int64_t kCreate = 1764000000;  // 2025-11-24T16:00:00Z

// "1~47665971~~1763999999123~Q9mcXG1QrN3TIYu8y+ppx/gs~P~" and the same for key 12345678.
inline constexpr std::string_view kSession =
    "1_MX40NzY2NTk3MX5-MTc2Mzk5OTk5OTEyM35ROW1jWEcxUXJOM1RJWXU4eStwcHgvZ3N-UH4";
inline constexpr std::string_view kOtherSession =
    "1_MX4xMjM0NTY3OH5-MTc2Mzk5OTk5OTEyM35ROW1jWEcxUXJOM1RJWXU4eStwcHgvZ3N-UH4";
inline constexpr std::string_view kNodeJwtDefault =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDA4NjQwMCwic2Vzc2lvbl9pZCI6IjFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1R"
    "rNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRlU3R3Y0hndlozTi1VSDQiLCJjcmVhdGVfdGltZSI6MTc2NDAwMDA"
    "wMCwibm9uY2UiOjAuMjI0NTY4NDk0MDQ1NTU5NjcsInJvbGUiOiJwdWJsaXNoZXIiLCJleHBpcmVfdGltZSI6MTc2NDA"
    "4NjQwMCwiaW5pdGlhbF9sYXlvdXRfY2xhc3NfbGlzdCI6IiIsInNjb3BlIjoic2Vzc2lvbi5jb25uZWN0In0.EGBnF5n"
    "iBQQVr3dPmu8-BE3WcNJOaHSsbkvXBFBjy28";
inline constexpr std::string_view kNodeJwtModerator =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDYwNDgwMCwic2Vzc2lvbl9pZCI6IjFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1R"
    "rNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRlU3R3Y0hndlozTi1VSDQiLCJjcmVhdGVfdGltZSI6MTc2NDAwMDA"
    "wMCwibm9uY2UiOjAuMjA0MTEwMDc3NjE3MzM2MzUsInJvbGUiOiJtb2RlcmF0b3IiLCJleHBpcmVfdGltZSI6MTc2NDY"
    "wNDgwMCwiY29ubmVjdGlvbl9kYXRhIjoibmFtZT1Cb2IgU21pdGgmeD0xIiwiaW5pdGlhbF9sYXlvdXRfY2xhc3NfbGl"
    "zdCI6ImZvY3VzIGZ1bGwiLCJzY29wZSI6InNlc3Npb24uY29ubmVjdCJ9.f8tHAVPLAkY8U_fgHt18JOG1ohkcb11D3v"
    "70UMiNe4w";
inline constexpr std::string_view kNodeJwtSubscriber =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDA4NjQwMCwic2Vzc2lvbl9pZCI6IjFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1R"
    "rNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRlU3R3Y0hndlozTi1VSDQiLCJjcmVhdGVfdGltZSI6MTc2NDAwMDA"
    "wMCwibm9uY2UiOjAuMTUzNDY2MDA2MDIxMjIwNSwicm9sZSI6InN1YnNjcmliZXIiLCJleHBpcmVfdGltZSI6MTc2NDA"
    "4NjQwMCwiaW5pdGlhbF9sYXlvdXRfY2xhc3NfbGlzdCI6IiIsInNjb3BlIjoic2Vzc2lvbi5jb25uZWN0In0.IeAjGdh"
    "Fe2-IHcEj8IWGFJja-gJDcljmwqNxOpd-INw";
inline constexpr std::string_view kNodeT1Default =
    "T1==cGFydG5lcl9pZD00NzY2NTk3MSZzaWc9MDhhOWU1YjMwNjY1Nzc5MWU5MTU5MGU2NDRlNjRjNmRlMTRhNDU4MTpz"
    "ZXNzaW9uX2lkPTFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1RrNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRl"
    "U3R3Y0hndlozTi1VSDQmY3JlYXRlX3RpbWU9MTc2NDAwMDAwMCZub25jZT0wLjUyNzA0OTAxNTIyODE4Nzcmcm9sZT1w"
    "dWJsaXNoZXImZXhwaXJlX3RpbWU9MTc2NDA4NjQwMCZpbml0aWFsX2xheW91dF9jbGFzc19saXN0PSZzY29wZT1zZXNz"
    "aW9uLmNvbm5lY3Q=";
inline constexpr std::string_view kNodeT1Moderator =
    "T1==cGFydG5lcl9pZD00NzY2NTk3MSZzaWc9ZmI5YzBlOTM0MzE3NjYyZTJlMDBjMjdiNWRmY2M2Zjk4YjFiMjAzODpz"
    "ZXNzaW9uX2lkPTFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1RrNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRl"
    "U3R3Y0hndlozTi1VSDQmY3JlYXRlX3RpbWU9MTc2NDAwMDAwMCZub25jZT0wLjEwNjU4NTk0NzI5NTE1MTM2JnJvbGU9"
    "bW9kZXJhdG9yJmV4cGlyZV90aW1lPTE3NjQ2MDQ4MDAmY29ubmVjdGlvbl9kYXRhPW5hbWUlM0RCb2IlMjBTbWl0aCUy"
    "NnglM0QxJmluaXRpYWxfbGF5b3V0X2NsYXNzX2xpc3Q9Zm9jdXMlMjBmdWxsJnNjb3BlPXNlc3Npb24uY29ubmVjdA==";
inline constexpr std::string_view kNodeT1PublisherOnly =
    "T1==cGFydG5lcl9pZD00NzY2NTk3MSZzaWc9YThjOGQ0ZjkxMjBkZDE2YWZjNjRkNzc5NTBjYzExNTJjZmQ1OTMyNDpz"
    "ZXNzaW9uX2lkPTFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1RrNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRl"
    "U3R3Y0hndlozTi1VSDQmY3JlYXRlX3RpbWU9MTc2NDAwMDAwMCZub25jZT0wLjUwNTM5Njk3NTU2MTU4NTkmcm9sZT1w"
    "dWJsaXNoZXJvbmx5JmV4cGlyZV90aW1lPTE3NjQwODY0MDAmY29ubmVjdGlvbl9kYXRhPSVDMyVCQ24lQzMlQUZjJUMz"
    "JUI4ZCVDMyVBOSUyMCVFMiU5QyU5MyZpbml0aWFsX2xheW91dF9jbGFzc19saXN0PSZzY29wZT1zZXNzaW9uLmNvbm5l"
    "Y3Q=";
inline constexpr std::string_view kNodeRest =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDAwMDMwMH0.iK0mXoQ8ni2jP3jCZBhbrMRdPMXHxqija1Oq_dT5vBI";
inline constexpr std::string_view kRubyT1 =
    "T1==cGFydG5lcl9pZD00NzY2NTk3MSZzaWc9M2FkM2QzOWNhNGIwYmFiM2ZhNTNhMzE2MGM2MjkxNWRkOGFkODYzNzpy"
    "b2xlPXN1YnNjcmliZXImc2Vzc2lvbl9pZD0xX01YNDBOelkyTlRrM01YNS1NVGMyTXprNU9UazVPVEV5TTM1Uk9XMWpX"
    "RWN4VVhKT00xUkpXWFU0ZVN0d2NIZ3ZaM04tVUg0JmNyZWF0ZV90aW1lPTE3NjQwMDAwMDAmbm9uY2U9MC41MjEzOTA2"
    "MzQyMDQ2Mzg0JmNvbm5lY3Rpb25fZGF0YT1uYW1lJTNEQm9iK1NtaXRoJmluaXRpYWxfbGF5b3V0X2NsYXNzX2xpc3Q9"
    "Zm9jdXMrZnVsbA==";
inline constexpr std::string_view kRubyJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsIm5vbmNlIjowLjgxNDYzMzcwMTIzNDE4OTMsInJvbGUiOiJwdWJsaXNoZXIiLCJzY29wZSI6InNlc3N"
    "pb24uY29ubmVjdCIsInNlc3Npb25faWQiOiIxX01YNDBOelkyTlRrM01YNS1NVGMyTXprNU9UazVPVEV5TTM1Uk9XMWp"
    "XRWN4VVhKT00xUkpXWFU0ZVN0d2NIZ3ZaM04tVUg0IiwiY29ubmVjdGlvbl9kYXRhIjoibmFtZT1Bbm4ifQ.Qa_TacyH"
    "5IYOx-QXPYpMPmShY_rUgkiIEMj1AptCICs";
inline constexpr std::string_view kRubyRest =
    "eyJpc3QiOiJwcm9qZWN0IiwiYWxnIjoiSFMyNTYifQ.eyJpc3MiOiI0NzY2NTk3MSIsImlhdCI6MTc2NDAwMDAwMCwiZ"
    "XhwIjoxNzY0MDAwMzAwfQ.-rqbk_S9jhJiOCwOGYlf0rs4hGxu7h1Nary9EvAMBUs";
inline constexpr std::string_view kPythonT1 =
    "T1==cGFydG5lcl9pZD00NzY2NTk3MSZzaWc9ZDljMmQ4OWE3OTRlNmFiMzdlMTVmODYwNGIyMDA0YWQ0OGMxMTExZDpz"
    "ZXNzaW9uX2lkPTFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1RrNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRl"
    "U3R3Y0hndlozTi1VSDQmY3JlYXRlX3RpbWU9MTc2NDAwMDAwMCZleHBpcmVfdGltZT0xNzY0MDg2NDAwJnJvbGU9bW9k"
    "ZXJhdG9yJm5vbmNlPTQxNzM5NCZpbml0aWFsX2xheW91dF9jbGFzc19saXN0PSZjb25uZWN0aW9uX2RhdGE9dXNlcitp"
    "ZCUzRDQy";
inline constexpr std::string_view kPythonJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXNzaW9uX2lkIjoiMV9NWDQwTnpZMk5UazNNWDUtTVRjMk16azV"
    "PVGs1T1RFeU0zNVJPVzFqV0VjeFVYSk9NMVJKV1hVNGVTdHdjSGd2WjNOLVVINCIsInJvbGUiOiJwdWJsaXNoZXIiLCJ"
    "pYXQiOjE3NjQwMDAwMDAsImV4cCI6MTc2NDAwMzYwMCwic2NvcGUiOiJzZXNzaW9uLmNvbm5lY3QiLCJpbml0aWFsX2x"
    "heW91dF9jbGFzc19saXN0IjoiZm9jdXMiLCJjb25uZWN0aW9uX2RhdGEiOiJ4IiwiaXNzIjoiNDc2NjU5NzEiLCJpc3Q"
    "iOiJwcm9qZWN0Iiwibm9uY2UiOjQxNzM5NH0.wzCl4d6Uy2FCBXt4nXb8z85eKKFAp8s-vGdtYnGVSGk";
inline constexpr std::string_view kPythonRest =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3QiOiJwcm9qZWN0IiwiaWF0IjoxNzY0MDAwMDAwLCJleHAiOjE"
    "3NjQwMDAxODAsImlzcyI6IjQ3NjY1OTcxIiwianRpIjoiMC42MjkxMjYzNTEyMzQ5NTQyIn0.SVsQ-f7HxUvc8q1xDDX"
    "Ojlg3O1g2nodrkncLagHaV7E";
inline constexpr std::string_view kJwtOtherSession =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDAwMzYwMCwic2Vzc2lvbl9pZCI6IjFfTVg0eE1qTTBOVFkzT0g1LU1UYzJNems1T1R"
    "rNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRlU3R3Y0hndlozTi1VSDQiLCJjcmVhdGVfdGltZSI6MTc2NDAwMDA"
    "wMCwibm9uY2UiOjAuMSwicm9sZSI6InB1Ymxpc2hlciIsImV4cGlyZV90aW1lIjoxNzY0MDAzNjAwLCJpbml0aWFsX2x"
    "heW91dF9jbGFzc19saXN0IjoiIiwic2NvcGUiOiJzZXNzaW9uLmNvbm5lY3QifQ.dha71Ig4nczelboSzAliKiXMY7Aj"
    "E0hooxGVeAfP8DU";
inline constexpr std::string_view kJwtWrongSecret =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI0NzY2NTk3MSIsImlzdCI6InByb2plY3QiLCJpYXQiOjE"
    "3NjQwMDAwMDAsImV4cCI6MTc2NDAwMzYwMCwic2Vzc2lvbl9pZCI6IjFfTVg0ME56WTJOVGszTVg1LU1UYzJNems1T1R"
    "rNU9URXlNMzVST1cxaldFY3hVWEpPTTFSSldYVTRlU3R3Y0hndlozTi1VSDQiLCJyb2xlIjoicHVibGlzaGVyIn0.nMu"
    "TUf5zw580SDPLeY4oXbXfvK1emdM_TRt_BfzhF14";

}  // namespace parley::core::test_vectors
