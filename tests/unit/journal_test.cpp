// The journal: checkpoints survive, a torn last line does not count.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "journal.hpp"

using namespace fetchctl;

TEST_CASE("journal - the last intact checkpoint wins", "[journal]") {
    const std::string path = "journal_test.journal";
    {
        journal j = journal::create(path, "abc123");
        journal_checkpoint c;
        c.next_sequence = 200;
        c.written = 199;
        c.failed = 1;
        c.failed_bytes = 60;
        c.sink_checkpoint = "bytes=12345";
        j.record(c);
        c.next_sequence = 400;
        c.sink_checkpoint = "bytes=24000 with spaces";
        j.record(c);
    }
    {
        // A crash in the middle of writing the next line.
        std::ofstream torn(path, std::ios::app);
        torn << "checkpoint next=600 written=5";
    }
    const journal_state state = journal::read(path);
    CHECK(state.exists);
    CHECK_FALSE(state.complete);
    CHECK(state.fingerprint == "abc123");
    REQUIRE(state.last);
    CHECK(state.last->next_sequence == 400);
    CHECK(state.last->written == 199);
    CHECK(state.last->failed_bytes == 60);
    CHECK(state.last->sink_checkpoint == "bytes=24000 with spaces");
    std::remove(path.c_str());
}

TEST_CASE("journal - complete, missing and foreign files", "[journal]") {
    const std::string path = "journal_test2.journal";
    {
        journal j = journal::create(path, "f");
        j.record(journal_checkpoint{10, 10, 0, 0, ""}, true);
    }
    const journal_state done = journal::read(path);
    CHECK(done.complete);
    REQUIRE(done.last);
    CHECK(done.last->sink_checkpoint.empty());

    {
        std::ofstream other(path);
        other << "order_id,company\n1,x\n";
    }
    CHECK_THROWS(journal::read(path));
    std::remove(path.c_str());

    CHECK_FALSE(journal::read("no-such-journal").exists);
}
