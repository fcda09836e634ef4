"""A solution's versions (lambda_handlers/solution_versions.py): listing, stopping, the race rules."""

import botocore.session

from lambda_handlers import solution_versions
from tests.unit import PREFIX, World

GROUP_ARN = f"{PREFIX}:dataset-group/shop"
MODEL = botocore.session.get_session().get_service_model("personalize")


def test_stop_settles_on_exactly_the_errors_botocore_models_for_stop_solution_version_creation():
    # GIVEN the errors botocore's Personalize model lists for StopSolutionVersionCreation
    modelled = {shape.name for shape in MODEL.operation_model("StopSolutionVersionCreation").error_shapes}
    # THEN each one is an answer `stop` takes as "nothing to stop now", and it takes no other
    assert set(solution_versions.STOP_SETTLED) == modelled


def test_stop_of_a_version_that_finished_since_the_listing_is_done(w: World):
    # GIVEN a version listed as training that has finished by the time it is stopped
    solution = w.fake.seed_solution(GROUP_ARN, "shop-up")
    version = w.fake.seed_solution_version(solution, status="CREATE IN_PROGRESS")
    (listed,) = solution_versions.list_versions(w.deps, solution)
    assert solution_versions.is_training(listed["status"])
    w.clock.advance(w.fake.durations.training)
    # WHEN it is stopped
    solution_versions.stop(w.deps, version, why="the test")
    # THEN Personalize answered InvalidInputException, taken as done: the version stays ACTIVE
    (stop,) = w.fake.calls_named("StopSolutionVersionCreation")
    assert stop.outcome == "InvalidInputException"
    assert w.fake.status_of(version) == "ACTIVE"


def test_stop_training_stops_every_version_still_training_and_nothing_else(w: World):
    # GIVEN a solution with one version training, one ACTIVE and one trained by auto-training
    solution = w.fake.seed_solution(GROUP_ARN, "shop-up")
    training = w.fake.seed_solution_version(solution, status="CREATE IN_PROGRESS")
    w.fake.seed_solution_version(solution)
    automatic = w.fake.auto_train(solution)
    # WHEN its training is stopped
    solution_versions.stop_training(w.deps, solution, why="the test")
    # THEN both versions training were stopped, once each; the ACTIVE one was not asked
    stopped = {c.params["solutionVersionArn"] for c in w.fake.calls_named("StopSolutionVersionCreation")}
    assert stopped == {training, automatic}
    assert w.counts() == {"StopSolutionVersionCreation": 2}


def test_list_versions_reads_every_page_newest_first(w: World):
    # GIVEN more versions than one ListSolutionVersions page holds (100), made one second apart
    solution = w.fake.seed_solution(GROUP_ARN, "shop-up")
    made = []
    for _ in range(101):
        made.append(w.fake.seed_solution_version(solution))
        w.clock.advance(1)
    # WHEN listed
    listed = solution_versions.list_versions(w.deps, solution)
    # THEN every version, newest first, over two pages
    assert [s["solutionVersionArn"] for s in listed] == made[::-1]
    assert len(w.fake.calls_named("ListSolutionVersions")) == 2
