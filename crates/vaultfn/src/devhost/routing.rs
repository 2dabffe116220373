//! The function route table, matched the way the host's ASP.NET routing does: literals compared
//! case-insensitively, `{param}` segments with inline constraints (`{id:int}`, `{name:alpha}`,
//! `{n:range(1,9)}`, `{x:regex(...)}`), optional (`{p?}`) and default (`{p=v}`) parameters,
//! catch-alls (`{*rest}`), a method list per function. Routes are ordered by specificity as the
//! host orders them, and the first route that matches path and method wins.

use std::collections::BTreeMap;

use super::constraint::Constraint;
use super::layout::FunctionDef;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RouteError {
    #[error("function {function}: the route {route:?} conflicts with one or more built in routes (admin, runtime)")]
    Reserved { function: String, route: String },
    #[error("function {function}: the route conflicts with the route defined by function {other}")]
    Conflict { function: String, other: String },
    #[error("function {function}: route template {route:?}: {why}")]
    Template { function: String, route: String, why: String },
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Param(Param),
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    optional: bool,
    default: Option<String>,
    catch_all: bool,
    constraints: Vec<Constraint>,
}

#[derive(Debug, Clone)]
struct Route {
    function: usize,
    segments: Vec<Vec<Part>>,
    methods: Option<Vec<String>>,
}

/// A matched function and its route values (absent optional parameters map to `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub function: usize,
    pub params: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Builds the table; `functions[i]` is referred to by index in matches.
    pub fn build(prefix: &str, functions: &[FunctionDef]) -> Result<Self, RouteError> {
        let mut routes = Vec::new();
        for (index, function) in functions.iter().enumerate() {
            let route = function.route.trim_matches('/');
            let lower = route.to_ascii_lowercase();
            if lower.starts_with("admin") || lower.starts_with("runtime") {
                return Err(RouteError::Reserved { function: function.name.clone(), route: route.to_owned() });
            }
            if let Some(other) = functions[..index].iter().find(|o| conflicts(function, o)) {
                return Err(RouteError::Conflict { function: function.name.clone(), other: other.name.clone() });
            }
            let full = if prefix.is_empty() { route.to_owned() } else { format!("{prefix}/{route}") };
            let template = |why: String| RouteError::Template {
                function: function.name.clone(),
                route: function.route.clone(),
                why,
            };
            let segments = parse_template(&full).map_err(template)?;
            routes.push(Route { function: index, segments, methods: function.methods.clone() });
        }
        // A stable sort keeps file order between routes the host's comparison finds equal.
        routes.sort_by(specificity);
        Ok(Self { routes })
    }

    /// The first route matching `path` and `method`. `path` is the normalised request path
    /// ([`super::path::RequestPath::decoded`]): it is not decoded again here, so `%2F` and any `%`
    /// that decoding produced stay text, as in ASP.NET's route values.
    pub fn find(&self, method: &str, path: &str) -> Option<RouteMatch> {
        let segments = split_path(path);
        self.routes.iter().filter(|r| r.methods.as_ref().is_none_or(|m| m.iter().any(|m| m == method))).find_map(
            |route| Some(RouteMatch { function: route.function, params: match_route(&route.segments, &segments)? }),
        )
    }
}

/// Same route text and intersecting methods: the host refuses the later function.
fn conflicts(a: &FunctionDef, b: &FunctionDef) -> bool {
    if !a.route.trim_matches('/').eq_ignore_ascii_case(b.route.trim_matches('/')) {
        return false;
    }
    match (&a.methods, &b.methods) {
        (Some(x), Some(y)) => x.iter().any(|m| y.contains(m)),
        _ => true,
    }
}

/// The host's ordering: literal segments before parameters, more constraints before fewer,
/// literals alphabetically, longer templates before their prefixes.
fn specificity(x: &Route, y: &Route) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Greater, Less};
    for (i, xs) in x.segments.iter().enumerate() {
        let Some(ys) = y.segments.get(i) else { return Less };
        match (&xs[0], &ys[0]) {
            (Part::Literal(_), Part::Param(_)) => return Less,
            (Part::Param(_), Part::Literal(_)) => return Greater,
            (Part::Param(a), Part::Param(b)) => match b.constraints.len().cmp(&a.constraints.len()) {
                Equal => {}
                other => return other,
            },
            (Part::Literal(a), Part::Literal(b)) => match a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()) {
                Equal => {}
                other => return other,
            },
        }
    }
    if y.segments.len() > x.segments.len() { Greater } else { Equal }
}

/// Path segments; a single trailing slash is ignored as ASP.NET ignores it.
fn split_path(path: &str) -> Vec<String> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('/').map(str::to_owned).collect()
}

fn match_route(template: &[Vec<Part>], path: &[String]) -> Option<BTreeMap<String, Option<String>>> {
    let mut values = BTreeMap::new();
    for (i, parts) in template.iter().enumerate() {
        if let [Part::Param(p)] = parts.as_slice()
            && p.catch_all
        {
            let rest = path.get(i..).map(|r| r.join("/")).unwrap_or_default();
            bind(&mut values, p, (!rest.is_empty()).then_some(rest))?;
            return Some(values);
        }
        let Some(segment) = path.get(i) else {
            // Past the end of the path: only optional or defaulted parameters may remain.
            match parts.as_slice() {
                [Part::Param(p)] if p.optional || p.default.is_some() => bind(&mut values, p, None)?,
                _ => return None,
            }
            continue;
        };
        match parts.as_slice() {
            [Part::Literal(text)] => {
                if !text.eq_ignore_ascii_case(segment) {
                    return None;
                }
            }
            [Part::Param(p)] => {
                if segment.is_empty() {
                    return None;
                }
                bind(&mut values, p, Some(segment.clone()))?;
            }
            complex => {
                let mut found = Vec::new();
                if !match_complex(complex, segment, &mut found) {
                    return None;
                }
                for (p, value) in found {
                    bind(&mut values, p, Some(value))?;
                }
            }
        }
    }
    (path.len() <= template.len()).then_some(values)
}

/// Records a parameter's value (or its default) after checking its constraints.
fn bind(values: &mut BTreeMap<String, Option<String>>, p: &Param, value: Option<String>) -> Option<()> {
    let value = value.or_else(|| p.default.clone());
    if let Some(v) = &value
        && !p.constraints.iter().all(|c| c.accepts(v))
    {
        return None;
    }
    values.insert(p.name.clone(), value);
    Some(())
}

/// Segments mixing literals and parameters (`{name}.{ext}`): literals found case-insensitively,
/// each parameter taking at least one character and satisfying its constraints.
fn match_complex<'a>(parts: &'a [Part], segment: &str, found: &mut Vec<(&'a Param, String)>) -> bool {
    let Some((first, rest)) = parts.split_first() else { return segment.is_empty() };
    match first {
        Part::Literal(text) => {
            segment.len() >= text.len()
                && segment.is_char_boundary(text.len())
                && segment[..text.len()].eq_ignore_ascii_case(text)
                && match_complex(rest, &segment[text.len()..], found)
        }
        Part::Param(p) => {
            // Longest first: ASP.NET matches complex segments from the right, so a literal
            // binds to its last occurrence.
            let ends: Vec<usize> = segment.char_indices().map(|(i, _)| i).skip(1).chain([segment.len()]).collect();
            for end in ends.into_iter().rev() {
                let value = &segment[..end];
                if !p.constraints.iter().all(|c| c.accepts(value)) {
                    continue;
                }
                let mark = found.len();
                found.push((p, value.to_owned()));
                if match_complex(rest, &segment[end..], found) {
                    return true;
                }
                found.truncate(mark);
            }
            false
        }
    }
}

fn parse_template(template: &str) -> Result<Vec<Vec<Part>>, String> {
    let mut segments = Vec::new();
    let raw: Vec<&str> = if template.is_empty() { Vec::new() } else { split_segments(template) };
    let count = raw.len();
    let mut names: Vec<String> = Vec::new();
    for (i, segment) in raw.into_iter().enumerate() {
        if segment.is_empty() {
            return Err("it has an empty segment (//)".to_owned());
        }
        let parts = parse_segment(segment)?;
        for part in &parts {
            if let Part::Param(p) = part {
                if names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)) {
                    return Err(format!("the parameter {} appears twice", p.name));
                }
                if p.catch_all && i + 1 != count {
                    return Err("a catch-all parameter can only be the last segment".to_owned());
                }
                if (p.optional || p.catch_all) && parts.len() > 1 {
                    return Err("an optional or catch-all parameter must be alone in its segment".to_owned());
                }
                names.push(p.name.clone());
            }
        }
        segments.push(parts);
    }
    Ok(segments)
}

/// Splits on `/` outside braces: a regex constraint may contain a slash.
fn split_segments(template: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in template.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '/' if depth <= 0 => {
                out.push(&template[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&template[start..]);
    out
}

fn parse_segment(segment: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let chars: Vec<char> = segment.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('{', Some('{')) | ('}', Some('}')) => {
                literal.push(chars[i]);
                i += 2;
            }
            ('{', _) => {
                let close = find_param_end(&chars, i + 1).ok_or("a '{' has no matching '}'")?;
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                if matches!(parts.last(), Some(Part::Param(_))) {
                    return Err("two parameters must be separated by a literal".to_owned());
                }
                let inner: String = chars[i + 1..close].iter().collect();
                parts.push(Part::Param(parse_param(&inner.replace("{{", "{").replace("}}", "}"))?));
                i = close + 1;
            }
            ('}', _) => return Err("a '}' has no matching '{'".to_owned()),
            (c, _) => {
                literal.push(c);
                i += 1;
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// Index of the `}` closing a parameter; `}}` inside it is an escaped brace.
fn find_param_end(chars: &[char], mut i: usize) -> Option<usize> {
    while i < chars.len() {
        if chars[i] == '}' {
            if chars.get(i + 1) == Some(&'}') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

fn parse_param(text: &str) -> Result<Param, String> {
    let (catch_all, text) = match text.strip_prefix("**").or_else(|| text.strip_prefix('*')) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let name_end = text.find([':', '=', '?']).unwrap_or(text.len());
    let name = &text[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("the parameter name {name:?} is invalid"));
    }
    let mut rest = &text[name_end..];
    let mut constraints = Vec::new();
    while let Some(after) = rest.strip_prefix(':') {
        let end = constraint_end(after);
        constraints.push(Constraint::parse(&after[..end])?);
        rest = &after[end..];
    }
    let (optional, default) = if rest == "?" {
        (true, None)
    } else if let Some(default) = rest.strip_prefix('=') {
        (false, Some(default.to_owned()))
    } else if rest.is_empty() {
        (false, None)
    } else {
        return Err(format!("the parameter {name} has trailing text"));
    };
    Ok(Param { name: name.to_owned(), optional, default, catch_all, constraints })
}

/// Where one inline constraint ends: at a `:`/`=` outside its parentheses or a final `?`. The
/// argument runs to the last `)` so that a regex may contain parentheses and colons.
fn constraint_end(text: &str) -> usize {
    if let Some(open) = text.find('(')
        && text[..open].find([':', '=', '?']).is_none()
    {
        let close = text.rfind(')').unwrap_or(text.len() - 1);
        let mut candidate = close;
        // Prefer the last ')' followed by a delimiter or the end.
        for (i, c) in text.char_indices().rev() {
            if c == ')' && i > open {
                let next = &text[i + 1..];
                if next.is_empty() || next == "?" || next.starts_with(':') || next.starts_with('=') {
                    candidate = i;
                    break;
                }
            }
        }
        return candidate + 1;
    }
    text.find([':', '=']).unwrap_or_else(|| if text.ends_with('?') { text.len() - 1 } else { text.len() })
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
