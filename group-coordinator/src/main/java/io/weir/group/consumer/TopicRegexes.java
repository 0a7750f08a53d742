package io.weir.group.consumer;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A {@link ConsumerGroup}'s members' topic regexes (KIP-848's SubscribedTopicRegex) resolved
 * against the metadata's topic names. It owns the names the regexes were last resolved against
 * and what each regex matched there, and matches again only when the names or the regexes
 * changed. Internal topics ({@code __} names) never match, as Kafka's clients exclude them from
 * pattern subscriptions by default. Pure and not thread-safe, like the group.
 */
final class TopicRegexes {
    /** The topic names the regexes were last resolved against, and what each regex matched there. */
    private Set<String> resolvedAgainst;
    private Map<String, SortedSet<String>> regexMatches = Map.of();

    /** The compiled regex, or null if it is not a valid one. */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    /** What {@code regex} matched when the regexes were last resolved; empty if it was not among them. */
    SortedSet<String> matchesOf(String regex) {
        return regexMatches.getOrDefault(regex, new TreeSet<>());
    }

    /**
     * Matches {@code regexes} (the members' regexes) against the topic names, again only when the
     * names or the regexes changed.
     */
    void resolve(Set<String> regexes, Supplier<Set<String>> topicNames) {
        if (regexes.isEmpty()) {
            regexMatches = Map.of();
            resolvedAgainst = null;
            return;
        }
        Set<String> names = topicNames.get();
        if (names == resolvedAgainst && regexMatches.keySet().equals(regexes)) return;
        Map<String, SortedSet<String>> matches = new HashMap<>();
        for (String regex : regexes) {
            Pattern pattern = compile(regex);
            SortedSet<String> matched = new TreeSet<>();
            for (String name : names) {
                if (!name.startsWith("__") && pattern != null && pattern.matcher(name).matches()) matched.add(name);
            }
            matches.put(regex, matched);
        }
        regexMatches = matches;
        resolvedAgainst = names;
    }
}
